-- Each generated pattern's current state beside its ground truth.
SELECT p.id, p.commands, p.auto_approved, t.good, t.commands AS truth_commands,
       t.fixed_commands
FROM healing_patterns p
JOIN devkit.demo_pattern_truth t ON t.pattern_id = p.id
ORDER BY p.id
