#!/bin/bash
# BENCH_WRAP=bench/mariadb-threads.sh: runs the wrapped command and appends to $MARIADB_THREADS_LOG (default
# /tmp/mariadb-threads.log) the CPU-seconds each MariaDB server thread spent meanwhile, busiest first. The bench's
# "MariaDB" figure is the whole server process, which also counts InnoDB purge after a large DELETE and other
# clients' queries (tests of other sessions on a shared server); the extractor's own sessions are the top threads.
log=${MARIADB_THREADS_LOG:-/tmp/mariadb-threads.log}
pid=$(pgrep -x mariadbd || pgrep -x mysqld)
ticks=$(getconf CLK_TCK)
snapshot() { for task in /proc/"$pid"/task/*; do echo "${task##*/} $(awk '{print $14 + $15}' "$task/stat" 2>/dev/null)"; done | sort; }
before=$(snapshot)
"$@"
status=$?
after=$(snapshot)
{
  echo "$* -> exit $status; load $(cut -d' ' -f1-3 /proc/loadavg)"
  join -a2 -e0 -o 2.1,1.2,2.2 <(echo "$before") <(echo "$after") |
    awk -v t="$ticks" '$3 > $2 { printf "  thread %s: %.2f CPU-s\n", $1, ($3 - $2) / t }' | sort -t: -k2 -rn | head -5
} >>"$log"
exit $status
