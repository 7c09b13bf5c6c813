"""HealerOps: the intelligence layer of the Healer WordPress self-healing system.

The package imports no Airflow at module level; DAG files in ``dags/`` call its plain
functions with plain arguments.
"""

__version__ = "0.1.0"
