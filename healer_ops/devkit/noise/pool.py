"""What a busy WordPress server logs around a fault: the noise pool of the noisy stream.

Written from what real PHP, WordPress, nginx, Apache, php-fpm and MySQL logs carry on sites
that work (deprecations and notices of other plugins and themes, warnings of sloppy code,
WordPress's "called incorrectly" notices, server start-up and reload chatter, access lines,
favicon 404s), NOT from the analyzer's rules: the point is to test the analyzer on noise its
rules were not written for.

Every list is split in two by position (every third item is held out): the tuning part may
be looked at while the analyzer is improved; the held-out part was meant never to be, and
its figures are reported apart (`part="held-out"`). It WAS looked at (issue 14's second
round fixed the reader on it), so a third half of new kinds, written before its scores were
seen, is reported as the fresh held-out figure (`part="fresh"`, fresh.py).

Templates use `str.format` fields the renderer fills per line: {where} (" in FILE on line N"
of a plugin or theme file), {core_where} (the same in a core file), {root}, {plugin},
{theme}, {n}, {class}, {key}, {ip}, {port}, {domain}, {pid}, {path} (a request path) and,
for whole lines of other programs, their own timestamps: {nginx_time}, {apache_time},
{fpm_time}, {access_time}, {mysql_time}, {php_stamp}.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTS = ("tune", "held-out", "fresh")


@dataclass(frozen=True)
class NoiseTemplate:
    kind: str  # "php": a PHP message, written in the fault's own channel; "raw": a whole line
    level: str  # the PHP level word ("Deprecated", "Notice", "Warning"); for raw lines ""
    text: str


def _php(level: str, text: str) -> NoiseTemplate:
    return NoiseTemplate("php", level, text)


def _raw(text: str) -> NoiseTemplate:
    return NoiseTemplate("raw", "", text)


_TEMPLATES = (
    _php("Deprecated", "Creation of dynamic property {class}::$settings is deprecated{where}"),
    _php("Deprecated", "Return type of {class}::offsetGet($offset) should either be compatible "
         "with ArrayAccess::offsetGet(mixed $offset): mixed, or the #[\\ReturnTypeWillChange] "
         "attribute should be used to temporarily suppress the notice{where}"),
    _php("Deprecated", "Optional parameter $args declared before required parameter $instance "
         "is implicitly treated as a required parameter{where}"),
    _php("Deprecated", "strpos(): Passing null to parameter #1 ($haystack) of type string is "
         "deprecated{core_where}"),
    _php("Deprecated", "Function utf8_encode() is deprecated{where}"),
    _php("Deprecated", "Automatic conversion of false to array is deprecated{where}"),
    _php("Deprecated", "Using ${{var}} in strings is deprecated, use {{$var}} instead{where}"),
    _php("Deprecated", "Implicit conversion from float 37.5 to int loses precision{where}"),
    _php("Deprecated", "Function get_page_by_title is deprecated since version 6.2.0! Use "
         "WP_Query instead.{core_where}"),
    _php("Deprecated", "Constant FILTER_SANITIZE_STRING is deprecated{where}"),
    _php("Deprecated", "Required parameter $post follows optional parameter $context{where}"),
    _php("Deprecated", "str_replace(): Passing null to parameter #3 ($subject) of type "
         "array|string is deprecated{core_where}"),
    _php("Deprecated", "Hook wp_blacklist_check is deprecated since version 5.5.0! Use "
         "wp_check_comment_disallowed_list instead.{core_where}"),
    _php("Deprecated", "Calling static trait method {class}::instance is deprecated, it should "
         "only be called on a class using the trait{where}"),
    _php("Notice", "Function _load_textdomain_just_in_time was called <strong>incorrectly"
         "</strong>. Translation loading for the <code>{plugin}</code> domain was triggered too "
         "early. This is usually an indicator for some code in the plugin or theme running too "
         "early. Translations should be loaded at the <code>init</code> action or later. Please "
         "see <a href=\"https://developer.wordpress.org/advanced-administration/debug/"
         "debug-wordpress/\">Debugging in WordPress</a> for more information. (This message was "
         "added in version 6.7.0.){core_where}"),
    _php("Notice", "Undefined index: page{where}"),
    _php("Notice", "Undefined variable: post_id{where}"),
    _php("Notice", "Trying to get property 'ID' of non-object{where}"),
    _php("Notice", "wp_enqueue_script was called <strong>incorrectly</strong>. Scripts and "
         "styles should not be registered or enqueued until the <code>wp_enqueue_scripts</code>"
         ", <code>admin_enqueue_scripts</code>, or <code>login_enqueue_scripts</code> hooks. "
         "(This message was added in version 3.3.0.){core_where}"),
    _php("Notice", "register_rest_route was called <strong>incorrectly</strong>. The REST API "
         "route definition for <code>{plugin}/v1/settings</code> is missing the required "
         "<code>permission_callback</code> argument. (This message was added in version 5.5.0.)"
         "{core_where}"),
    _php("Notice", "Only variables should be passed by reference{where}"),
    _php("Notice", "WP_Scripts::localize was called <strong>incorrectly</strong>. The "
         "<code>$l10n</code> parameter must be an array. To pass arbitrary data to scripts, use "
         "the <code>wp_add_inline_script()</code> function instead. (This message was added in "
         "version 5.7.0.){core_where}"),
    _php("Notice", "Undefined offset: 1{where}"),
    _php("Notice", "add_option was called with an argument that is <strong>deprecated</strong> "
         "since version 2.3.0 with no alternative available.{core_where}"),
    _php("Notice", "Function wpdb::prepare was called <strong>incorrectly</strong>. The query "
         "argument of wpdb::prepare() must have a placeholder. (This message was added in "
         "version 3.9.0.){core_where}"),
    _php("Warning", "Undefined array key \"{key}\"{where}"),
    _php("Warning", "Attempt to read property \"post_type\" on null{where}"),
    _php("Warning", "foreach() argument must be of type array|object, null given{where}"),
    _php("Warning", "Trying to access array offset on value of type null{where}"),
    _php("Warning", "Undefined variable $settings{where}"),
    _php("Warning", "Cannot modify header information - headers already sent by (output "
         "started at {root}/wp-content/plugins/{plugin}/{plugin}.php:{n}) in "
         "{root}/wp-includes/pluggable.php on line 1435"),
    _php("Warning", "Invalid argument supplied for foreach(){where}"),
    _php("Warning", "count(): Parameter must be an array or an object that implements "
         "Countable{where}"),
    _php("Warning", "call_user_func_array() expects parameter 1 to be a valid callback, function "
         "'{plugin}_init' not found or invalid function name in "
         "{root}/wp-includes/class-wp-hook.php on line 308"),
    _php("Warning", "A non-numeric value encountered{where}"),
    _php("Warning", "Use of undefined constant ICL_LANGUAGE_CODE - assumed 'ICL_LANGUAGE_CODE' "
         "(this will throw an Error in a future version of PHP){where}"),
    _php("Warning", "Declaration of {class}::start_el(&$output, $item, $depth = 0, $args = "
         "Array, $id = 0) should be compatible with Walker::start_el(&$output, $data_object, "
         "$depth = 0, $args = null, $current_object_id = 0){where}"),
    _php("Warning", "array_merge(): Expected parameter 2 to be an array, null given{where}"),
    _php("Warning", "session_start(): Session cannot be started after headers have already been "
         "sent{where}"),
    _php("Warning", "Array to string conversion{where}"),
    _php("Warning", "Illegal string offset 'title'{where}"),
    _php("Warning", "sprintf(): Too few arguments{where}"),
    _php("Warning", "Constant WP_MEMORY_LIMIT already defined in {root}/wp-config.php on line "
         "{n}"),
    _php("Warning", "filemtime(): stat failed for {root}/wp-content/uploads/elementor/css/"
         "post-{n}.css{where}"),
    _php("Warning", "getimagesize({root}/wp-content/uploads/2023/05/IMG_{n}.jpg): Failed to "
         "open stream: No such file or directory{where}"),
    _php("Warning", "Undefined property: WP_Post_Type::$template_lock{where}"),
    _php("Warning", "in_array() expects parameter 2 to be array, null given{where}"),
    _php("Warning", "Cannot use a scalar value as an array{where}"),
    _php("Warning", "preg_match(): Compilation failed: invalid range in character class at "
         "offset 4{where}"),
    _raw("[{fpm_time}] NOTICE: [pool www] child {pid} started"),
    _raw("[{fpm_time}] NOTICE: [pool www] child {pid} exited with code 0 after 3600.018245 "
         "seconds from start"),
    _raw("[{fpm_time}] WARNING: [pool www] seems busy (you may need to increase "
         "pm.start_servers, or pm.min/max_spare_servers), spawning 8 children, there are 0 "
         "idle, and 13 total children"),
    _raw("{nginx_time} [warn] {pid}#{pid}: *{n} an upstream response is buffered to a temporary "
         "file /var/cache/nginx/fastcgi_temp/4/01/00000{n} while reading upstream, client: "
         "{ip}, server: {domain}, request: \"GET /wp-json/wp/v2/posts?per_page=100 HTTP/1.1\", "
         "upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"{domain}\""),
    _raw("{nginx_time} [notice] 1#1: signal 1 (SIGHUP) received from {pid}, reconfiguring"),
    _raw("{nginx_time} [error] {pid}#{pid}: *{n} open() \"{root}/favicon.ico\" failed (2: No "
         "such file or directory), client: {ip}, server: {domain}, request: \"GET /favicon.ico "
         "HTTP/1.1\", host: \"{domain}\""),
    _raw("{nginx_time} [info] {pid}#{pid}: *{n} client {ip} closed keepalive connection"),
    _raw("[{apache_time}] [mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.57 (Debian) "
         "PHP/8.2.12 configured -- resuming normal operations"),
    _raw("[{apache_time}] [core:notice] [pid 1] AH00094: Command line: 'apache2 -D FOREGROUND'"),
    _raw("AH00558: apache2: Could not reliably determine the server's fully qualified domain "
         "name, using 172.18.0.3. Set the 'ServerName' directive globally to suppress this "
         "message"),
    _raw("[{apache_time}] [ssl:warn] [pid 1] AH01909: {domain}:443:0 server certificate does "
         "NOT include an ID which matches the server name"),
    _raw("{ip} - - [{access_time}] \"POST /wp-admin/admin-ajax.php HTTP/1.1\" 200 47 "
         "\"https://{domain}/wp-admin/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
         "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36\""),
    _raw("{ip} - - [{access_time}] \"GET /wp-cron.php?doing_wp_cron=1709633472.1234 HTTP/1.1\" "
         "200 0 \"-\" \"WordPress/6.4.3; https://{domain}\""),
    _raw("{ip} - - [{access_time}] \"GET /{path} HTTP/2.0\" 404 7589 \"-\" \"Mozilla/5.0 "
         "(compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)\""),
    _raw("{mysql_time} 0 [Note] [MY-011323] [Server] X Plugin ready for connections. Bind-address:"
         " '::' port: 33060, socket: /var/run/mysqld/mysqlx.sock"),
    _raw("{mysql_time} 0 [Warning] [MY-010068] [Server] CA certificate ca.pem is self signed."),
    _raw("{mysql_time} 13 [Warning] Aborted connection 13 to db: 'wordpress' user: 'wordpress' "
         "host: '172.18.0.4' (Got an error reading communication packets)"),
    _raw("{php_stamp} Jetpack: sync queue size 214, last sync 42 seconds ago"),
    _raw("{php_stamp} WP Rocket: preload of {n} URLs completed"),
    _raw("{php_stamp} Action Scheduler: 25 actions processed in 1.8 seconds"),
)

# Plugins and themes the noise comes from (never the fault's own culprit: the renderer skips
# a slug the fault names).
_PLUGINS = (
    "contact-form-7", "wordpress-seo", "elementor", "jetpack", "akismet", "wpforms-lite",
    "litespeed-cache", "wp-rocket", "really-simple-ssl", "redirection", "wordfence",
    "updraftplus", "all-in-one-seo-pack", "classic-editor", "advanced-custom-fields",
    "duplicate-post", "mailchimp-for-wp", "wp-mail-smtp", "google-site-kit", "w3-total-cache",
    "autoptimize", "sitepress-multilingual-cms", "the-events-calendar", "ninja-forms",
    "gravityforms", "revslider", "js_composer", "wp-super-cache", "wp-optimize",
    "complianz-gdpr", "cookie-law-info", "wp-smushit", "tablepress", "better-wp-security",
    "woocommerce-gateway-stripe", "wp-statistics",
)
_THEMES = ("astra", "generatepress", "Divi", "Avada", "oceanwp", "twentytwentyfour",
           "hello-elementor", "kadence", "flatsome", "neve", "storefront", "enfold")
_CLASSES = ("WPSEO_Admin_Asset_Manager", "Elementor\\Core\\Logger\\Items\\PHP", "RevSliderFront",
            "Vc_Manager", "WPCF7_ContactForm", "Tribe__Events__Main", "GFForms",
            "Astra_Theme_Options", "Jetpack_Options", "NF_Abstracts_Model", "UpdraftPlus_Options",
            "Kadence\\Theme", "WC_Stripe_Payment_Gateway", "ITSEC_Core")
_FILES = ("includes/class-main.php", "inc/functions.php", "admin/class-admin.php",
          "vendor/composer/ClassLoader.php", "src/Plugin.php", "includes/helpers.php",
          "inc/customizer/class-customizer.php", "lib/class-settings.php", "modules/init.php",
          "classes/class-loader.php")
_KEYS = ("HTTP_REFERER", "page", "action", "post_type", "menu_order", "SERVER_NAME", "tab")
_PATHS = ("wp-login.php", ".env", "xmlrpc.php", "wp-content/plugins/wp-file-manager/readme.txt",
          "old/wp-admin/install.php", "feed/", "sitemap_index.xml")


def _split(items: tuple, part: str) -> tuple:
    if part not in PARTS or part == "fresh":
        raise ValueError(f"part must be one of {PARTS[:2]}, not {part!r}")
    held_out = part == "held-out"
    return tuple(item for i, item in enumerate(items) if (i % 3 == 2) == held_out)


def _pick(items: tuple, fresh_name: str, part: str) -> tuple:
    """The tuning or held-out third of `items`, or the fresh half's own list."""
    if part == "fresh":
        from healer_ops.devkit.noise import fresh

        return getattr(fresh, fresh_name)
    return _split(items, part)


def templates(part: str) -> tuple[NoiseTemplate, ...]:
    return _pick(_TEMPLATES, "TEMPLATES", part)


def plugins(part: str) -> tuple[str, ...]:
    return _pick(_PLUGINS, "PLUGINS", part)


def themes(part: str) -> tuple[str, ...]:
    return _pick(_THEMES, "THEMES", part)


def classes(part: str) -> tuple[str, ...]:
    return _pick(_CLASSES, "CLASSES", part)


def component_files(part: str) -> tuple[str, ...]:
    return _pick(_FILES, "FILES", part)


def array_keys(part: str) -> tuple[str, ...]:
    return _pick(_KEYS, "KEYS", part)


def request_paths(part: str) -> tuple[str, ...]:
    return _pick(_PATHS, "PATHS", part)
