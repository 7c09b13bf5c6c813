from healer_ops.cli import main

main()
