"""Recipes of the database failing: refused or denied connections, a server gone away, too
many connections, a crashed table."""

from __future__ import annotations

from healer_ops.devkit.fleet.logs.context import LogContext
from healer_ops.devkit.fleet.logs.writing import php, php_timestamp, pick, with_noise

_DB_ERRORS = {
    "DB_ACCESS_DENIED": ("1045", "Access denied for user '{user}'@'{host}' (using password: YES)"),
    "DB_CONNECTION": ("2002", "Connection refused"),
    "DB_SOCKET": ("2002", "No such file or directory"),
    "DB_UNKNOWN_DB": ("1049", "Unknown database '{db}'"),
    "DB_TOO_MANY_CONN": ("1040", "Too many connections"),
    "DB_GONE_AWAY": ("2006", "MySQL server has gone away"),
}


def make_db(rng) -> dict:
    kind = pick(rng, (*_DB_ERRORS, "DB_CORRUPTION", "DB_CORRUPTION"))
    return {"error_type": "DB_CONNECTION" if kind == "DB_SOCKET" else kind, "kind": kind,
            "table": pick(rng, ("wp_options", "wp_posts", "wp_postmeta", "wp_usermeta",
                                 "wp_wc_sessions" if rng.random() < 0.3 else "wp_comments")),
            "line": int(pick(rng, (1982, 2019, 1633, 1653, 2035)))}


def render_db(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if p["kind"] == "DB_CORRUPTION":
        message = (f"WordPress database error Table './{ctx.db_name}/{p['table']}' is marked as "
                   f"crashed and should be repaired for query SELECT option_name, option_value "
                   f"FROM {p['table']} WHERE autoload IN ('yes', 'on') made by "
                   "require('wp-blog-header.php'), require_once('wp-load.php'), require_once("
                   "'wp-config.php'), require_once('wp-settings.php'), wp_load_alloptions")
        lines = [f"{php_timestamp(ctx.later(1).when)} {message}"]
        if rng.random() < 0.5:
            email = ctx.secret("email", ctx.admin_email)
            lines.append(f"{php_timestamp(ctx.later(2).when)} WordPress database error Table "
                         f"'./{ctx.db_name}/{p['table']}' is marked as crashed and should be "
                         f"repaired for query SELECT * FROM wp_users WHERE user_email = '{email}'"
                         " made by wp_authenticate, get_user_by")
        return with_noise(ctx, lines)
    code, template = _DB_ERRORS[p["kind"]]
    user = ctx.secret("db_user", ctx.db_user) if "{user}" in template else ctx.db_user
    detail = template.format(user=user, host=ctx.db_host, db=ctx.db_name)
    state = "08004" if code == "1040" else "HY000"
    lines = [php(ctx.later(1), "Warning", f"mysqli_real_connect(): ({state}/{code}): {detail} in "
                 f"{ctx.root}/wp-includes/class-wpdb.php on line {p['line']}")]
    if rng.random() < 0.45:  # zend.exception_ignore_args=Off: the arguments are in the trace
        pw = ctx.secret("db_password", ctx.db_password)
        user = ctx.secret("db_user", ctx.db_user)
        lines.append(f"#0 {ctx.root}/wp-includes/class-wpdb.php({p['line']}): mysqli_real_connect("
                     f"Object(mysqli), '{ctx.db_host}', '{user}', '{pw}', '{ctx.db_name}', 3306, "
                     "NULL, 0)")
    if p["kind"] == "DB_GONE_AWAY" and rng.random() < 0.6:
        email = ctx.secret("email", ctx.admin_email)
        lines.append(f"{php_timestamp(ctx.later(1).when)} WordPress database error MySQL server "
                     f"has gone away for query SELECT * FROM wp_users WHERE user_email = "
                     f"'{email}' LIMIT 1 made by wp_authenticate, get_user_by")
    if rng.random() < 0.5:
        lines.append("Error establishing a database connection")
    return with_noise(ctx, lines)
