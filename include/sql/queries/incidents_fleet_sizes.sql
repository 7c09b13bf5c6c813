-- Enabled sites per server (server NULL: sites whose server is unknown).
SELECT server, count(*) AS sites
FROM wp_sites
WHERE is_healer_enabled
GROUP BY server
