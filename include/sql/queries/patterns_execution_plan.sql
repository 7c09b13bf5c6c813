-- A confident analysis becomes the next attempt's plan: suggested_commands and
-- suggested_action (where Healer reads it), ai_suggestion (what it replaced), and one short
-- AI insight line appended to the execution's log (not again when it is already there).
UPDATE healer_executions
SET suggested_commands = %(commands)s,
    suggested_action = %(action)s,
    ai_suggestion = %(suggestion)s,
    execution_logs = CASE WHEN strpos(coalesce(execution_logs, ''), %(insight)s) > 0
                          THEN execution_logs
                          ELSE concat_ws(E'\n', nullif(execution_logs, ''), %(insight)s) END
WHERE id = %(id)s
