<?php
// Installs WordPress into the empty database, with the site's settings.
$_SERVER['HTTP_HOST'] = 'old-blog.example';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['WORDPRESS_CONFIG'] = $argv[1];
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
// Offline and silent: no HTTP request (wp_install probes the permalinks), no mail.
add_filter('pre_http_request', function () { return new WP_Error('offline', 'the fixture is made offline'); });
add_filter('pre_wp_mail', '__return_true');
$r = wp_install('Old Harbour Blog', 'olive', 'olive@old-blog.example', true, '', 'a long password for the fixture only');
if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message() . "\n"); exit(1); }
// The default content is stamped with the time of the run: the fixture makes its own.
foreach (get_posts(array('post_type' => 'any', 'post_status' => 'any', 'numberposts' => -1)) as $p) {
    wp_delete_post($p->ID, true);
}
update_option('blogdescription', 'Notes from the harbour');
// A site timezone other than UTC, so that post_date and post_date_gmt differ.
update_option('timezone_string', 'Europe/Berlin');
update_option('gmt_offset', '');
update_option('upload_path', $argv[2]);
update_option('upload_url_path', 'http://old-blog.example/wp-content/uploads');
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%year%/%monthnum%/%day%/%postname%/');
$wp_rewrite->flush_rules(false);
echo $GLOBALS['wp_version'], "\n";
