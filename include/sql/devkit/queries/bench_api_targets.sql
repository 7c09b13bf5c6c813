-- What `healer-ops bench api` asks for by id: some sites (their alerts) and some analyzed
-- executions (their analysis).
(SELECT 'site' AS kind, id::text FROM wp_sites ORDER BY id LIMIT 5)
UNION ALL
(SELECT 'execution', id::text FROM healer_executions WHERE ai_status = 'DONE' ORDER BY id
 LIMIT 5)
