-- Which of these domains wp_sites holds (domains compare lower-case).
SELECT lower(domain) FROM wp_sites WHERE lower(domain) = ANY(%(domains)s::text[])
