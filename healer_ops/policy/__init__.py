"""The WP-CLI policy that analysis and pattern learning both enforce.

- allow_list: which `wp` commands an analysis may recommend for a diagnosis type (the
  taxonomy's safe remediation plus read-only commands), and which of them may run
  automatically.
- safety: what may never run unattended (known-bad commands with their fix, destructive
  commands, shell syntax, blacklisted plugins), checked before a pattern is auto-approved.
"""
