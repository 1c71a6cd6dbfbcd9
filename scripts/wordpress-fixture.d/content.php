<?php
// Makes the content through WordPress's functions, exports it with export_wp(), and
// writes what it made to expected.json.
$_SERVER['HTTP_HOST'] = 'old-blog.example';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['WORDPRESS_CONFIG'] = $argv[1];
$out_xml = $argv[2];
$out_json = $argv[3];
$work = $argv[4];
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/file.php';
require_once ABSPATH . 'wp-admin/includes/media.php';
require_once ABSPATH . 'wp-admin/includes/nav-menu.php';
require_once ABSPATH . 'wp-admin/includes/export.php';
add_filter('pre_http_request', function () { return new WP_Error('offline', 'the fixture is made offline'); });
add_filter('pre_wp_mail', '__return_true');

const SITE = 'http://old-blog.example';
const UP = SITE . '/wp-content/uploads';
// When WordPress would stamp the time of the run (an insert without a date, the modified
// date of an update), this fixed local time is used, or the one in $GLOBALS['fx_modified'].
const FX_STAMP = '2023-01-01 12:30:00';
$GLOBALS['fx_modified'] = array();

function fail($what) {
    fwrite(STDERR, "content.php: $what\n");
    exit(1);
}
function check($r, $what) {
    if (is_wp_error($r)) fail("$what: " . $r->get_error_message());
    if (!$r) fail("$what failed");
    return $r;
}
function fx_pin_dates($data, $postarr, $unsanitized, $update) {
    $zero = '0000-00-00 00:00:00';
    if (!$update) {
        if (empty($unsanitized['post_date']) && empty($unsanitized['post_date_gmt'])) {
            $data['post_date'] = FX_STAMP;
            if ($data['post_date_gmt'] !== $zero) $data['post_date_gmt'] = get_gmt_from_date(FX_STAMP);
            $data['post_modified'] = FX_STAMP;
            $data['post_modified_gmt'] = get_gmt_from_date(FX_STAMP);
        }
        return $data;
    }
    $id = (int) $postarr['ID'];
    $modified = $GLOBALS['fx_modified'][$id] ?? ($data['post_date'] !== $zero ? $data['post_date'] : FX_STAMP);
    $data['post_modified'] = $modified;
    $data['post_modified_gmt'] = get_gmt_from_date($modified);
    return $data;
}
add_filter('wp_insert_post_data', 'fx_pin_dates', 10, 4);
add_filter('wp_insert_attachment_data', 'fx_pin_dates', 10, 4);

// ---------------------------------------------------------------- authors
$admin = get_user_by('login', 'olive');
check(wp_update_user(array(
    'ID' => $admin->ID, 'display_name' => 'Olive Okafor', 'first_name' => 'Olive',
    'last_name' => 'Okafor', 'nickname' => 'olive', 'user_url' => 'https://olive.example.net',
    'description' => 'Runs the harbour blog.',
)), 'update admin');
// As in the editor: an administrator may post any HTML (unfiltered_html), so kses leaves
// the content alone, as it did on the blog that made the export.
wp_set_current_user($admin->ID);
$bjorn = check(wp_insert_user(array(
    'user_login' => 'bjorn', 'user_email' => 'bjorn@old-blog.example', 'user_pass' => 'fixture password bjorn',
    'display_name' => 'Bjørn Ødegård', 'first_name' => 'Bjørn', 'last_name' => 'Ødegård', 'role' => 'editor',
)), 'insert user bjorn');
$mei = check(wp_insert_user(array(
    'user_login' => 'mei', 'user_email' => 'mei.chen@old-blog.example', 'user_pass' => 'fixture password mei',
    'display_name' => 'Chen Mei (陈美)', 'first_name' => 'Mei', 'last_name' => 'Chen', 'role' => 'author',
)), 'insert user mei');
$olive = $admin->ID;

// ---------------------------------------------------------------- terms
function term($name, $tax, $args = array()) {
    $r = check(wp_insert_term($name, $tax, $args), "insert term $name");
    return (int) $r['term_id'];
}
$cat_news = term('News', 'category', array('description' => 'What is new at the harbour.'));
$cat_cafe = term('Café culture', 'category');
$cat_espresso = term('Espresso', 'category', array('parent' => $cat_cafe, 'description' => 'Small, strong & dark.'));
$cat_travel = term('Travel', 'category');
$tag_rust = term('Rust', 'post_tag');
$tag_gutenberg = term('Gutenberg', 'post_tag');
$tag_strasse = term('Straße', 'post_tag');
$tag_japanese = term('日本語', 'post_tag');
$tag_tips = term('Tips & Tricks', 'post_tag');

// ---------------------------------------------------------------- media
function png($w, $h, $bg, $fg) {
    $im = imagecreate($w, $h);
    imagecolorallocate($im, $bg[0], $bg[1], $bg[2]);
    $c = imagecolorallocate($im, $fg[0], $fg[1], $fg[2]);
    imagefilledrectangle($im, 0, intdiv($h * 2, 3), $w - 1, $h - 1, $c);
    imagefilledellipse($im, intdiv($w * 3, 4), intdiv($h, 3), intdiv($w, 5), intdiv($w, 5), $c);
    ob_start();
    imagepng($im, null, 9);
    return ob_get_clean();
}
function pdf() {
    // A minimal one-page PDF, offsets computed.
    $objs = array(
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>',
    );
    $s = "%PDF-1.4\n";
    $off = array();
    foreach ($objs as $i => $o) { $off[] = strlen($s); $s .= ($i + 1) . " 0 obj\n$o\nendobj\n"; }
    $x = strlen($s);
    $s .= "xref\n0 " . (count($objs) + 1) . "\n0000000000 65535 f \n";
    foreach ($off as $o) $s .= sprintf("%010d 00000 n \n", $o);
    return $s . "trailer\n<< /Size " . (count($objs) + 1) . " /Root 1 0 R >>\nstartxref\n$x\n%%EOF\n";
}
$attachments = array();
// Uploads a file as the media library does: into uploads/<month>/, an attachment post
// (attached to $parent, 0 = unattached), its metadata and, for images, resized copies.
function upload($name, $bits, $month, $date, $parent, $title, $alt = '', $caption = '', $description = '') {
    $u = wp_upload_bits($name, null, $bits, $month);
    if (!empty($u['error'])) fail("upload $name: " . $u['error']);
    $type = wp_check_filetype($u['file']);
    $id = check(wp_insert_attachment(array(
        'guid' => $u['url'], 'post_mime_type' => $type['type'], 'post_title' => $title,
        'post_content' => $description, 'post_excerpt' => $caption, 'post_status' => 'inherit',
        'post_date' => $date, 'post_author' => get_current_user_id(),
    ), $u['file'], $parent, true), "insert attachment $name");
    wp_update_attachment_metadata($id, wp_generate_attachment_metadata($id, $u['file']));
    if ($alt !== '') update_post_meta($id, '_wp_attachment_image_alt', $alt);
    $GLOBALS['attachments'][] = $id;
    return $id;
}
function url_of($id) { return wp_get_attachment_url($id); }

// ---------------------------------------------------------------- posts
$expect = array();
// What must survive an import of post $id: plain text as a reader sees it, link
// targets, file names of the images in the content, links to other posts of the blog
// (by their old URL) and to uploaded files.
function expect($id, $texts, $links = array(), $images = array(), $internal = array(), $files = array()) {
    $GLOBALS['expect'][$id] = compact('texts', 'links', 'images', 'internal', 'files');
}
function post($args) {
    $args += array('post_type' => 'post', 'post_status' => 'publish', 'comment_status' => 'open', 'ping_status' => 'open');
    return check(wp_insert_post(wp_slash($args), true), 'insert ' . $args['post_title']);
}
// The block editor's way: an auto-draft first (opened on the day it is published),
// media uploaded to it, then the save.
function auto_draft($author, $date) {
    return check(wp_insert_post(array('post_title' => 'Auto Draft', 'post_status' => 'auto-draft', 'post_author' => $author,
        'post_date' => $date), true), 'auto-draft');
}
function publish($id, $args) {
    $args += array('post_status' => 'publish', 'edit_date' => true);
    $args['ID'] = $id;
    return check(wp_update_post(wp_slash($args), true), 'update ' . $args['post_title']);
}

// Pages first: the posts link to them. The logo comes from the media library (unattached).
$logo = upload('logo.png', png(40, 30, array(240, 240, 230), array(30, 60, 120)), '2023/01', '2023-01-02 11:50:00', 0,
    'Blog logo', 'Old Harbour Blog logo');
$logo_url = url_of($logo);
$p_about = post(array(
    'post_type' => 'page', 'post_title' => 'About', 'post_name' => 'about', 'post_author' => $olive,
    'post_date' => '2023-01-02 12:00:00', 'comment_status' => 'closed', 'ping_status' => 'closed', 'menu_order' => 1,
    'post_content' => <<<HTML
<!-- wp:image {"id":$logo,"sizeSlug":"full","linkDestination":"none","align":"right"} -->
<figure class="wp-block-image alignright size-full"><img src="$logo_url" alt="Old Harbour Blog logo" class="wp-image-$logo"/></figure>
<!-- /wp:image -->

<!-- wp:paragraph -->
<p>This blog is written by three people who live near the old harbour.</p>
<!-- /wp:paragraph -->

<!-- wp:paragraph -->
<p>Write to us at <a href="mailto:hello@old-blog.example">hello@old-blog.example</a>.</p>
<!-- /wp:paragraph -->
HTML
));
$p_team = post(array(
    'post_type' => 'page', 'post_title' => 'The team', 'post_name' => 'team', 'post_parent' => $p_about,
    'post_author' => $mei, 'post_date' => '2023-01-03 12:00:00', 'comment_status' => 'closed', 'menu_order' => 2,
    'post_content' => <<<HTML
<!-- wp:paragraph -->
<p>Olive edits, Bjørn takes the photos and Mei writes about coffee.</p>
<!-- /wp:paragraph -->
HTML
));
expect($p_about, array('This blog is written by three people who live near the old harbour.'),
    array('mailto:hello@old-blog.example'), array('logo.png'));
expect($p_team, array('Olive edits, Bjørn takes the photos and Mei writes about coffee.'));

// (a) Gutenberg blocks of every common kind.
$p_blocks = auto_draft($olive, '2023-01-15 10:15:00');
$harbour = upload('harbour.png', png(320, 240, array(135, 190, 235), array(20, 60, 110)), '2023/01', '2023-01-15 10:20:00', $p_blocks,
    'harbour', 'The harbour at dawn', 'The harbour at dawn, seen from the pier', 'A wide view over the harbour.');
$pier = upload('pier.png', png(40, 30, array(200, 180, 150), array(90, 60, 40)), '2023/01', '2023-01-15 10:21:00', $p_blocks,
    'pier', 'The wooden pier');
$cup = upload('Espresso Cup.png', png(40, 30, array(250, 245, 235), array(70, 40, 20)), '2023/01', '2023-01-15 10:22:00', $p_blocks,
    'Espresso Cup', 'An espresso cup on a saucer');
$harbour_url = url_of($harbour);
$pier_url = url_of($pier);
$cup_url = url_of($cup);
$about_url = get_permalink($p_about);
$blocks = <<<HTML
<!-- wp:paragraph -->
<p>Welcome to the new harbour blog. It has <strong>bold words</strong>, <em>italic words</em>, a link to <a href="https://www.rust-lang.org/">the Rust website</a> and some inline code: <code>cargo build --release</code>. More <a href="$about_url">about us</a>.</p>
<!-- /wp:paragraph -->

<!-- wp:heading {"level":3} -->
<h3>Things to bring</h3>
<!-- /wp:heading -->

<!-- wp:list -->
<ul><!-- wp:list-item -->
<li>A warm jacket</li>
<!-- /wp:list-item -->

<!-- wp:list-item -->
<li>Something to drink<!-- wp:list -->
<ul><!-- wp:list-item -->
<li>Thermos of tea</li>
<!-- /wp:list-item -->

<!-- wp:list-item -->
<li>Bottle of water</li>
<!-- /wp:list-item --></ul>
<!-- /wp:list --></li>
<!-- /wp:list-item --></ul>
<!-- /wp:list -->

<!-- wp:list {"ordered":true} -->
<ol><!-- wp:list-item -->
<li>Arrive early</li>
<!-- /wp:list-item -->

<!-- wp:list-item -->
<li>Find the pier</li>
<!-- /wp:list-item -->

<!-- wp:list-item -->
<li>Wait for the boats</li>
<!-- /wp:list-item --></ol>
<!-- /wp:list -->

<!-- wp:quote -->
<blockquote class="wp-block-quote"><!-- wp:paragraph -->
<p>The sea, once it casts its spell, holds one in its net of wonder forever.</p>
<!-- /wp:paragraph --><cite>Jacques Cousteau</cite></blockquote>
<!-- /wp:quote -->

<!-- wp:code -->
<pre class="wp-block-code"><code>fn main() {
    let (a, b) = (1, 2);
    if a &lt; b &amp;&amp; b > 0 {
        println!("a &lt; b");
    }
}</code></pre>
<!-- /wp:code -->

<!-- wp:preformatted -->
<pre class="wp-block-preformatted">Tide table:
  high  06:12
  low   12:30</pre>
<!-- /wp:preformatted -->

<!-- wp:table -->
<figure class="wp-block-table"><table><thead><tr><th>Day</th><th>High tide</th></tr></thead><tbody><tr><td>Monday</td><td>06:12</td></tr><tr><td>Tuesday</td><td>06:58</td></tr></tbody></table></figure>
<!-- /wp:table -->

<!-- wp:image {"id":$harbour,"sizeSlug":"full","linkDestination":"none"} -->
<figure class="wp-block-image size-full"><img src="$harbour_url" alt="The harbour at dawn" class="wp-image-$harbour"/><figcaption class="wp-element-caption">The harbour at dawn, seen from the pier</figcaption></figure>
<!-- /wp:image -->

<!-- wp:embed {"url":"https://www.youtube.com/watch?v=aqz-KE-bpKQ","type":"video","providerNameSlug":"youtube","responsive":true,"className":"wp-embed-aspect-16-9 wp-has-aspect-ratio"} -->
<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube wp-embed-aspect-16-9 wp-has-aspect-ratio"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=aqz-KE-bpKQ
</div></figure>
<!-- /wp:embed -->

<!-- wp:separator -->
<hr class="wp-block-separator has-alpha-channel-opacity"/>
<!-- /wp:separator -->

<!-- wp:buttons -->
<div class="wp-block-buttons"><!-- wp:button -->
<div class="wp-block-button"><a class="wp-block-button__link wp-element-button" href="https://newsletter.example.com/signup">Subscribe to the newsletter</a></div>
<!-- /wp:button --></div>
<!-- /wp:buttons -->

<!-- wp:gallery {"linkTo":"none"} -->
<figure class="wp-block-gallery has-nested-images columns-default is-cropped"><!-- wp:image {"id":$pier,"sizeSlug":"large","linkDestination":"none"} -->
<figure class="wp-block-image size-large"><img src="$pier_url" alt="The wooden pier" class="wp-image-$pier"/></figure>
<!-- /wp:image -->

<!-- wp:image {"id":$cup,"sizeSlug":"large","linkDestination":"none"} -->
<figure class="wp-block-image size-large"><img src="$cup_url" alt="An espresso cup on a saucer" class="wp-image-$cup"/></figure>
<!-- /wp:image --></figure>
<!-- /wp:gallery -->

<!-- wp:paragraph -->
<p>That is all for today.</p>
<!-- /wp:paragraph -->
HTML;
publish($p_blocks, array(
    'post_title' => 'Hello, Gutenberg', 'post_author' => $olive, 'post_date' => '2023-01-15 10:30:00',
    'post_content' => str_replace('>That is all for today.<', '>That is all for today. See you soon.<', $blocks),
    'post_category' => array($cat_news, $cat_cafe), 'tags_input' => array('Gutenberg', 'Rust'),
));
// Edited three weeks later: post_modified differs from post_date.
$GLOBALS['fx_modified'][$p_blocks] = '2023-02-03 09:15:00';
publish($p_blocks, array('post_title' => 'Hello, Gutenberg', 'post_date' => '2023-01-15 10:30:00', 'post_content' => $blocks));
stick_post($p_blocks);
add_post_meta($p_blocks, 'mood', 'cheerful');
expect($p_blocks,
    array('Welcome to the new harbour blog.', 'bold words', 'italic words', 'the Rust website', 'cargo build --release',
        'Things to bring', 'A warm jacket', 'Something to drink', 'Thermos of tea', 'Bottle of water',
        'Arrive early', 'Find the pier', 'Wait for the boats',
        'The sea, once it casts its spell, holds one in its net of wonder forever.', 'Jacques Cousteau',
        'if a < b && b > 0 {', 'println!("a < b");', 'Tide table:', '  high  06:12',
        'Day', 'High tide', 'Monday', 'Tuesday', '06:58',
        'The harbour at dawn, seen from the pier', 'Subscribe to the newsletter', 'That is all for today.'),
    array('https://www.rust-lang.org/', 'https://www.youtube.com/watch?v=aqz-KE-bpKQ', 'https://newsletter.example.com/signup'),
    array('harbour.png', 'pier.png', 'Espresso-Cup.png'),
    array(array('url' => $about_url, 'id' => $p_about)));

// (b) Classic editor: no <p>, blank lines between paragraphs (wpautop adds them when
// the post is shown), shortcodes.
$p_classic = auto_draft($bjorn, '2023-02-10 17:30:00');
wp_set_current_user($bjorn);
$lighthouse = upload('lighthouse.png', png(40, 30, array(180, 220, 250), array(200, 30, 30)), '2023/02', '2023-02-10 17:40:00', $p_classic,
    'lighthouse', 'A red lighthouse', 'The lighthouse from the ferry deck');
$timetable = upload('ferry-timetable.pdf', pdf(), '2023/02', '2023-02-10 17:45:00', $p_classic, 'Ferry timetable');
wp_set_current_user($olive);
$lighthouse_url = url_of($lighthouse);
$timetable_url = url_of($timetable);
$harbour_medium = image_downsize($harbour, 'medium')[0];
$blocks_url = get_permalink($p_blocks);
$classic = <<<HTML
Last week I took the ferry to the <strong>old lighthouse</strong>. The crossing takes <em>forty minutes</em> on a calm day.

[caption id="attachment_$lighthouse" align="alignnone" width="40"]<img class="size-full wp-image-$lighthouse" src="$lighthouse_url" alt="A red lighthouse" width="40" height="30" /> The lighthouse from the ferry deck[/caption]

<!--more-->

The keeper's cottage is now a small museum. Opening hours are on <a href="https://museum.example.org/hours?lang=en&amp;season=winter">the museum website</a>.
Tickets cost 5&nbsp;€ at the door.
<h2>Getting there</h2>
<ul>
 	<li>Ferry from pier 3</li>
 	<li>Bus line 12</li>
</ul>
<a href="$harbour_url"><img class="alignright size-medium wp-image-$harbour" src="$harbour_medium" alt="Harbour overview" width="300" height="225" /></a>More photos from the trip:

[gallery ids="$harbour,$lighthouse,$cup"]

A short film someone made of the crossing:

[embed]https://vimeo.com/123456789[/embed]

https://www.youtube.com/watch?v=9bZkp7q19f0

Questions? Use the form below.

[contact-form-7 id="12" title="Contact"]

The timetable as a PDF: <a href="$timetable_url">ferry-timetable</a>. See also <a href="$blocks_url">Hello, Gutenberg</a>.
HTML;
publish($p_classic, array(
    'post_title' => 'A classic post', 'post_author' => $bjorn, 'post_date' => '2023-02-10 18:00:00',
    'post_content' => $classic, 'post_category' => array($cat_travel), 'tags_input' => array('Straße', 'Tips & Tricks'),
));
expect($p_classic,
    array('Last week I took the ferry to the', 'old lighthouse', 'forty minutes', 'The lighthouse from the ferry deck',
        'is now a small museum.', 'the museum website', 'Tickets cost 5', 'Getting there', 'Ferry from pier 3',
        'Bus line 12', 'More photos from the trip:', 'A short film someone made of the crossing:',
        'Questions? Use the form below.', 'The timetable as a PDF:'),
    array('https://museum.example.org/hours?lang=en&season=winter', 'https://vimeo.com/123456789',
        'https://www.youtube.com/watch?v=9bZkp7q19f0'),
    array('lighthouse.png', 'harbour-300x225.png'),
    array(array('url' => $blocks_url, 'id' => $p_blocks)),
    array('ferry-timetable.pdf'));

// (c) An excerpt and a featured image.
$p_summer = auto_draft($mei, '2023-07-14 21:20:00');
wp_set_current_user($mei);
$sunset = upload('sunset.png', png(40, 30, array(250, 160, 80), array(60, 30, 80)), '2023/07', '2023-07-14 21:30:00', $p_summer,
    'sunset', 'Sunset over the water');
wp_set_current_user($olive);
publish($p_summer, array(
    'post_title' => 'Summer at the harbour', 'post_author' => $mei, 'post_date' => '2023-07-14 21:45:00',
    'post_excerpt' => 'Long evenings, cold drinks and the last ferry at ten.',
    'post_category' => array($cat_espresso), 'tags_input' => array('日本語'),
    'post_content' => <<<HTML
<!-- wp:paragraph -->
<p>In July the sun sets after half past nine, and the terrace of the harbour café stays full until the last ferry leaves.</p>
<!-- /wp:paragraph -->

<!-- wp:paragraph -->
<p>Try the iced espresso with tonic water.</p>
<!-- /wp:paragraph -->
HTML
));
check(set_post_thumbnail($p_summer, $sunset), 'set_post_thumbnail');
expect($p_summer, array('the terrace of the harbour café stays full until the last ferry leaves.', 'Try the iced espresso with tonic water.'));

// (d) Unicode in the title and so in the slug WordPress makes; HTML-special characters.
wp_set_current_user($mei);
$p_unicode = post(array(
    'post_title' => 'Ünïcödé: Привет, мир — 日本語のテキスト ☕', 'post_author' => $mei, 'post_date' => '2023-03-20 12:00:00',
    'post_category' => array($cat_cafe), 'tags_input' => array('日本語'),
    'post_content' => <<<HTML
<!-- wp:paragraph -->
<p>Grüße aus Köln! Съешь же ещё этих мягких французских булок. 日本語のテキストです。 Coffee ☕ and ships 🚢.</p>
<!-- /wp:paragraph -->
HTML
));
wp_set_current_user($bjorn);
$p_html = post(array(
    'post_title' => 'Tom & Jerry <3', 'post_author' => $bjorn, 'post_date' => '2023-04-01 09:00:00',
    'post_category' => array($cat_news),
    'post_content' => <<<HTML
<!-- wp:paragraph -->
<p>Cats &amp; mice: a love story &lt;3 with <a href="https://example.com/?a=1&amp;b=2">a link whose query has an ampersand</a>.</p>
<!-- /wp:paragraph -->
HTML
));
set_post_format($p_html, 'aside');
wp_set_current_user($olive);
expect($p_unicode, array('Grüße aus Köln!', 'Съешь же ещё этих мягких французских булок.', '日本語のテキストです。', 'Coffee ☕ and ships 🚢.'));
expect($p_html, array('Cats & mice: a love story <3 with', 'a link whose query has an ampersand'), array('https://example.com/?a=1&b=2'));

// (e) Renamed, then moved to another day, after it was published: WordPress keeps each
// former slug (`_wp_old_slug`) and date (`_wp_old_date`) and answers the post's former
// URLs with a 301. `former_permalinks`: the permalinks it had, as WordPress gave them.
$former = array();
wp_set_current_user($bjorn);
$p_moved = post(array(
    'post_title' => 'Night ferry', 'post_name' => 'night-boat', 'post_author' => $bjorn, 'post_date' => '2023-03-01 21:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>The night ferry leaves at nine and reaches the island by ten.</p>\n<!-- /wp:paragraph -->",
));
$former[$p_moved][] = path_of(get_permalink($p_moved));
publish($p_moved, array('post_title' => 'Night ferry', 'post_name' => 'night-ferry', 'post_date' => '2023-03-01 21:00:00'));
$former[$p_moved][] = path_of(get_permalink($p_moved));
publish($p_moved, array('post_title' => 'Night ferry', 'post_name' => 'night-ferry', 'post_date' => '2023-03-02 21:00:00',
    'post_date_gmt' => get_gmt_from_date('2023-03-02 21:00:00')));
wp_set_current_user($olive);
if (count(get_post_meta($p_moved, '_wp_old_slug')) !== 1 || count(get_post_meta($p_moved, '_wp_old_date')) !== 1) {
    fail('WordPress did not record the old slug and date of "Night ferry"');
}
expect($p_moved, array('The night ferry leaves at nine and reaches the island by ten.'));

// Every status.
$p_draft = post(array(
    'post_title' => 'Ideas for spring', 'post_status' => 'draft', 'post_author' => $olive, 'post_date' => '2023-05-01 08:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>Draft: paint the boat, plant herbs on the balcony.</p>\n<!-- /wp:paragraph -->",
));
$p_future = post(array(
    'post_title' => 'Scheduled for 2030', 'post_status' => 'future', 'post_author' => $olive, 'post_date' => '2030-01-01 09:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>This post appears on New Year's Day 2030, scheduled long ago.</p>\n<!-- /wp:paragraph -->",
));
$p_private = post(array(
    'post_title' => 'Private notes', 'post_status' => 'private', 'post_author' => $bjorn, 'post_date' => '2023-05-05 20:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>Only logged-in editors can read this private note.</p>\n<!-- /wp:paragraph -->",
));
$p_password = post(array(
    'post_title' => 'Members only', 'post_author' => $bjorn, 'post_date' => '2023-05-10 07:30:00', 'post_password' => 'harbour2023',
    'post_content' => "<!-- wp:paragraph -->\n<p>The secret mooring spot is behind the fish market.</p>\n<!-- /wp:paragraph -->",
));
$p_pending = post(array(
    'post_title' => 'Pending review', 'post_status' => 'pending', 'post_author' => $mei, 'post_date' => '2023-05-12 16:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>Mei wrote this and an editor still has to approve it.</p>\n<!-- /wp:paragraph -->",
));
$p_trash = post(array(
    'post_title' => 'Deleted thoughts', 'post_author' => $mei, 'post_date' => '2023-05-15 11:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>This post was published and then moved to the trash.</p>\n<!-- /wp:paragraph -->",
));
$GLOBALS['fx_modified'][$p_trash] = '2023-06-01 10:00:00';
check(wp_trash_post($p_trash), 'wp_trash_post');
update_post_meta($p_trash, '_wp_trash_meta_time', strtotime(get_gmt_from_date('2023-06-01 10:00:00') . ' UTC'));
expect($p_draft, array('Draft: paint the boat, plant herbs on the balcony.'));
expect($p_future, array('scheduled long ago.'));
expect($p_private, array('Only logged-in editors can read this private note.'));
expect($p_password, array('The secret mooring spot is behind the fish market.'));
expect($p_pending, array('Mei wrote this and an editor still has to approve it.'));
expect($p_trash, array('This post was published and then moved to the trash.'));

// ---------------------------------------------------------------- comments
function comment($args) {
    $args += array('comment_author_IP' => '192.0.2.10', 'comment_agent' => 'Mozilla/5.0 (X11; Linux x86_64)', 'comment_type' => 'comment');
    return check(wp_insert_comment(wp_slash($args)), 'insert comment');
}
$c_ada = comment(array(
    'comment_post_ID' => $p_blocks, 'comment_author' => 'Ada Reader', 'comment_author_email' => 'ada@example.net',
    'comment_author_url' => 'https://ada.example.net/', 'comment_date' => '2023-01-16 08:30:00', 'comment_approved' => 1,
    'comment_content' => 'Lovely photos! Is the <em>pier</em> open in winter?',
));
$c_reply = comment(array(
    'comment_post_ID' => $p_blocks, 'comment_parent' => $c_ada, 'user_id' => $olive, 'comment_author' => 'Olive Okafor',
    'comment_author_email' => 'olive@old-blog.example', 'comment_author_url' => 'https://olive.example.net',
    'comment_date' => '2023-01-16 12:05:00', 'comment_approved' => 1, 'comment_content' => 'Yes, it is open all year round.',
));
$c_pending = comment(array(
    'comment_post_ID' => $p_blocks, 'comment_author' => 'Grace Visitor', 'comment_author_email' => 'grace@example.org',
    'comment_date' => '2023-01-17 19:00:00', 'comment_approved' => 0, 'comment_content' => 'First time here, great post.',
));
$c_spam = comment(array(
    'comment_post_ID' => $p_blocks, 'comment_author' => 'Cheap Watches', 'comment_author_email' => 'sales@spam.example',
    'comment_author_url' => 'http://spam.example/', 'comment_date' => '2023-01-18 03:00:00', 'comment_approved' => 'spam',
    'comment_content' => 'Buy watches now at http://spam.example/',
));
$c_ping = comment(array(
    'comment_post_ID' => $p_classic, 'comment_author' => 'Another Blog', 'comment_author_url' => 'https://another-blog.example/2023/02/ferries/',
    'comment_date' => '2023-02-11 09:00:00', 'comment_approved' => 1, 'comment_type' => 'pingback', 'comment_author_email' => '',
    'comment_content' => '[&#8230;] as described on the Old Harbour Blog [&#8230;]',
));

// ---------------------------------------------------------------- a nav menu
$menu = check(wp_create_nav_menu('Main menu'), 'wp_create_nav_menu');
$menu_date = array('menu-item-status' => 'publish', 'menu-item-post-date' => '2023-01-03 12:30:00');
check(wp_update_nav_menu_item($menu, 0, $menu_date + array('menu-item-object' => 'page', 'menu-item-object-id' => $p_about,
    'menu-item-type' => 'post_type', 'menu-item-position' => 1)), 'menu item about');
check(wp_update_nav_menu_item($menu, 0, $menu_date + array('menu-item-object' => 'category', 'menu-item-object-id' => $cat_news,
    'menu-item-type' => 'taxonomy', 'menu-item-position' => 2)), 'menu item news');
check(wp_update_nav_menu_item($menu, 0, $menu_date + array('menu-item-title' => 'Mastodon', 'menu-item-url' => 'https://mastodon.example/@olive',
    'menu-item-type' => 'custom', 'menu-item-position' => 3)), 'menu item mastodon');

// ---------------------------------------------------------------- export
ob_start();
export_wp(array('content' => 'all'));
$xml = ob_get_clean();
if (file_put_contents($out_xml, $xml) === false) fail("cannot write $out_xml");

// ---------------------------------------------------------------- expected.json
function path_of($url) {
    return substr($url, 0, strlen(SITE)) === SITE ? substr($url, strlen(SITE)) : $url;
}
function slugs($id, $tax) {
    $t = wp_get_post_terms($id, $tax, array('orderby' => 'term_id'));
    return array_map(function ($t) { return $t->slug; }, is_wp_error($t) ? array() : $t);
}
$posts = array();
foreach ($GLOBALS['expect'] as $id => $e) {
    $p = get_post($id);
    $thumb = (int) get_post_thumbnail_id($id);
    $comments = array();
    foreach (get_comments(array('post_id' => $id, 'status' => 'all', 'type' => 'all', 'orderby' => 'comment_ID', 'order' => 'ASC')) as $c) {
        $comments[] = (int) $c->comment_ID;
    }
    foreach (get_comments(array('post_id' => $id, 'status' => 'spam', 'orderby' => 'comment_ID', 'order' => 'ASC')) as $c) {
        $comments[] = (int) $c->comment_ID;
    }
    sort($comments);
    $posts[] = array(
        'id' => $p->ID, 'post_type' => $p->post_type, 'status' => $p->post_status, 'slug' => $p->post_name,
        'slug_decoded' => urldecode($p->post_name), 'title' => $p->post_title,
        'author' => get_userdata($p->post_author)->user_login,
        'date' => $p->post_date, 'date_gmt' => $p->post_date_gmt, 'modified' => $p->post_modified, 'modified_gmt' => $p->post_modified_gmt,
        'permalink' => path_of(get_permalink($p)), 'parent' => $p->post_parent, 'menu_order' => $p->menu_order,
        'editor' => has_blocks($p->post_content) ? 'block' : 'classic',
        'sticky' => is_sticky($p->ID), 'format' => get_post_format($p) ?: 'standard',
        'excerpt' => $p->post_excerpt, 'password' => $p->post_password, 'comment_status' => $p->comment_status,
        'categories' => slugs($id, 'category'), 'tags' => slugs($id, 'post_tag'),
        'featured_image' => $thumb ?: null, 'comments' => $comments,
        'texts' => $e['texts'], 'links' => $e['links'], 'images' => $e['images'],
        'internal_links' => array_map(function ($l) { return array('url' => $l['url'], 'path' => path_of($l['url']), 'id' => $l['id']); }, $e['internal']),
        'files' => $e['files'],
        'former_permalinks' => isset($former[$id]) ? $former[$id] : array(),
    );
}
$atts = array();
foreach ($GLOBALS['attachments'] as $id) {
    $p = get_post($id);
    $meta = wp_get_attachment_metadata($id);
    $rel = get_post_meta($id, '_wp_attached_file', true);
    $sizes = array();
    foreach ((isset($meta['sizes']) ? $meta['sizes'] : array()) as $name => $s) {
        $sizes[$name] = array('file' => dirname($rel) . '/' . $s['file'], 'width' => $s['width'], 'height' => $s['height']);
    }
    $atts[] = array(
        'id' => $p->ID, 'title' => $p->post_title, 'slug' => $p->post_name, 'parent' => $p->post_parent,
        'mime_type' => $p->post_mime_type, 'file' => $rel, 'url' => wp_get_attachment_url($id),
        'permalink' => path_of(get_permalink($p)), 'date' => $p->post_date,
        'width' => isset($meta['width']) ? $meta['width'] : null, 'height' => isset($meta['height']) ? $meta['height'] : null,
        'alt' => get_post_meta($id, '_wp_attachment_image_alt', true), 'caption' => $p->post_excerpt,
        'description' => $p->post_content, 'sizes' => (object) $sizes,
    );
}
$authors = array();
foreach (array($olive, $bjorn, $mei) as $uid) {
    $u = get_userdata($uid);
    $authors[] = array('id' => $u->ID, 'login' => $u->user_login, 'email' => $u->user_email, 'display_name' => $u->display_name,
        'first_name' => $u->first_name, 'last_name' => $u->last_name, 'role' => $u->roles[0]);
}
function terms_of($tax) {
    $r = array();
    foreach (get_terms(array('taxonomy' => $tax, 'hide_empty' => false, 'orderby' => 'term_id')) as $t) {
        $parent = $t->parent ? get_term($t->parent, $tax)->slug : null;
        $r[] = array('id' => $t->term_id, 'slug' => $t->slug, 'slug_decoded' => urldecode($t->slug),
            'name' => $t->name, 'name_decoded' => html_entity_decode($t->name, ENT_QUOTES, 'UTF-8'),
            'parent' => $parent, 'description' => $t->description, 'count' => $t->count);
    }
    return $r;
}
$comments = array();
foreach (get_comments(array('status' => 'all', 'type' => 'all', 'orderby' => 'comment_ID', 'order' => 'ASC')) as $c) $comments[] = $c;
foreach (get_comments(array('status' => 'spam', 'orderby' => 'comment_ID', 'order' => 'ASC')) as $c) $comments[] = $c;
usort($comments, function ($a, $b) { return $a->comment_ID - $b->comment_ID; });
$comments = array_map(function ($c) {
    return array('id' => (int) $c->comment_ID, 'post' => (int) $c->comment_post_ID, 'parent' => (int) $c->comment_parent,
        'author' => $c->comment_author, 'author_email' => $c->comment_author_email, 'author_url' => $c->comment_author_url,
        'user_id' => (int) $c->user_id, 'date' => $c->comment_date, 'date_gmt' => $c->comment_date_gmt,
        'approved' => $c->comment_approved, 'type' => $c->comment_type, 'content' => $c->comment_content,
        'in_export' => $c->comment_approved !== 'spam');
}, $comments);
$expected = array(
    'about' => 'Written by scripts/wordpress-fixture together with export.xml: what it made, as WordPress reports it. '
        . 'permalink: get_permalink() without the host. texts: plain text (HTML entities decoded) that a reader must see '
        . 'on the imported page; links: link targets that must survive; images: file names of the images in the content; '
        . 'internal_links: links to another post of this blog by its old URL; files: non-image uploads linked from the content; '
        . 'former_permalinks: the permalinks a post had before it was renamed or moved to another day.',
    'wordpress_version' => $GLOBALS['wp_version'],
    'site_url' => home_url(), 'timezone' => get_option('timezone_string'),
    'permalink_structure' => get_option('permalink_structure'),
    'authors' => $authors, 'categories' => terms_of('category'), 'tags' => terms_of('post_tag'),
    'posts' => $posts, 'attachments' => $atts, 'comments' => $comments,
    'sticky' => array_map('intval', get_option('sticky_posts')),
);
$json = json_encode($expected, JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
if ($json === false || file_put_contents($out_json, $json . "\n") === false) fail("cannot write $out_json");
