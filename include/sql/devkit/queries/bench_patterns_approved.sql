-- The patterns approved now.
SELECT id FROM healing_patterns WHERE auto_approved
