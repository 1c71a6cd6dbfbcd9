<?php
// Installs WordPress into its empty database and adds the benchmark post; prints its URL.
// Run by bench/folio_bench/scenarios/wordpress.py as
//   php setup.php CONFIG-NAME POST.html POST.title SLUG
// CONFIG-NAME picks /etc/wordpress/config-CONFIG-NAME.php (Debian's WordPress reads its
// settings only there); the post's title and HTML are read from the two files.
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['WORDPRESS_CONFIG'] = $argv[1];
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$r = wp_install('Folio benchmark site', 'olive', 'owner@example.com', false, '', 'bench password, long enough');
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%postname%/');
$wp_rewrite->flush_rules();
$id = wp_insert_post(array(
    'post_title' => file_get_contents($argv[3]),
    'post_name' => $argv[4],
    'post_content' => file_get_contents($argv[2]),
    'post_excerpt' => 'A long post with code, lists and a quote, used by the benchmark.',
    'post_status' => 'publish',
    'post_author' => $r['user_id'],
    'tags_input' => array('Benchmarks', 'Rust'),
), true);
if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message() . "\n"); exit(1); }
echo get_permalink($id), "\n";
