"""`make bench`: the poller against its peers (fping, net-snmp's CLI) in the same run.

Entry point: ``python -m bench`` (see `bench.run`). Everything runs on loopback inside
network namespaces the run creates and removes; results go to ``bench/RESULTS.md``, raw
outputs to ``bench/out/`` (not committed).
"""
