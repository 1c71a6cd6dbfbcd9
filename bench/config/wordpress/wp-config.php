<?php
// Written by Folio's bench/run.sh for one run; removed at its end.
define('DB_NAME', '{{db_name}}');
define('DB_USER', '{{db_user}}');
define('DB_PASSWORD', '{{db_password}}');
define('DB_HOST', '{{db_host}}');
define('WP_HOME', '{{home}}');
define('WP_SITEURL', '{{home}}');
define('DISABLE_WP_CRON', true);
define('WP_DEBUG', false);
{{keys}}
