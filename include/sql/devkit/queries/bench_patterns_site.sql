-- The one site of the pattern benchmark (executions need a site).
INSERT INTO wp_sites (id, domain, url) VALUES (%(id)s, 'bench-patterns.example.test',
                                               'http://bench-patterns.example.test/')
