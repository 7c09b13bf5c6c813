"""One recipe per kind of fault, grouped by family: PHP code that fatals (php_code), running
out of memory, disk or time (resources), the database (database), the install's state
(install), and what the web server or a probe sees (web). A recipe is a pair of functions:
`make_*(rng)` draws the fault's stable parameters, `render_*(params, ctx)` writes its log."""
