"""Folio's benchmark driver (not a test): `bench/run.sh [SCENARIO]...`, or
`python3 -m folio_bench` from bench/. bench/README.md says what each scenario measures and
what each figure means.

    settings     the knobs (environment variables) and the scenario names
    processes    the processes a run starts, bounded waits, ports, /proc readings
    client       HTTP requests over TCP or a Unix socket
    folio        the Folio binary: CLI, `folio serve`, the long post
    databases    MariaDB, PostgreSQL and Redis; the run's own databases
    nginx        Nginx configurations from bench/config/nginx/ and deploy/nginx/
    templates    bench/config/ files filled in for a run
    load         wrk rounds, warm-ups, waiting for builds and tests to end
    content      the generated post and sites
    measure      start-up timing and cache-miss latency
    session      one run: work directory, clean-up, figures
    scenarios/   one module per scenario
    report, plot the Markdown results and scenario 3's plot
    dry_run      checks the configuration of the chosen scenarios without measuring
"""
