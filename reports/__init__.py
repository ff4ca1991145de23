"""Quarterly reports (QP-70-2): the help-desk report, the fault report and the corrective-actions register.

Where things are: `selectors` (the queries → pandas frames), `helpdesk`, `faults` (the
figures), `build` (figures → `tables.Table`s: the one structure every output renders),
`figures` (plotly charts drawn from those tables), `exports` (HTML, XLSX, CSV zip, PDF),
`images` (charts as PNG through kaleido), `views`/`api`/`management.commands.quarterly_report`
(thin). `reports` reads assets, maintenance and netmon; nothing imports `reports`.

THE DEFINITIONS (what the IT head will ask)
===========================================

Periods. A quarter is a calendar quarter on the wall clock of settings.TIME_ZONE (Asia/Amman):
[1 Jan 00:00, 1 Apr 00:00) and so on, a moment belonging to it when start <= moment < end.
The report is read as of the quarter's end — or, for the quarter in progress, as of now;
nothing that happened after that moment is counted. Every figure stands beside the same
figure for the previous quarter, with the change (in percentage points for a percentage)
and the relative change in % (left empty when the previous figure is 0).

A ticket's history. Its statuses come from its timeline (TicketEntry rows of kind status,
hold or resumed: data["to"]), in time order; before the first entry it is "new". A ticket
whose columns record a resolution or a closing its timeline lacks (imported, or older than
the timeline) gets that change at `resolved_at` / `closed_at`. "Open" means not resolved and
not closed: a resolved ticket waiting for the requester's answer is done for the report.

- received: opened in the quarter (`opened_at`).
- carried out: resolved in the quarter (it entered "resolved"), or closed in the quarter
  without a resolution before (cancelled, merged, cleared by itself). Closing a resolved
  ticket is not a second carrying out. A ticket counts once per quarter; a ticket resolved,
  reopened by an objection in the next quarter and resolved again is carried out in both.
- resolved / closed without resolution: the two parts of "carried out".
- still open at the quarter's end: opened before the end, and its status just before the
  end is neither resolved nor closed.
- carried over: opened before the quarter, and open (as above) just before its start.
- automatic: source "monitoring" (opened by the poller); every other source is "filed by
  schools and staff".
- by technician: the ticket's current assignee ("unassigned" when none).
- first response: the earliest of the `first_response_at` column (written by the services),
  the first change to a status other than new/assigned, and the first public reply by the
  department's staff (IT head, technician). Time to first response = working time from the
  opening to it; counted in the quarter the response happened in.
- time to resolution: the resolution clock of maintenance.sla — working time while the
  ticket was neither on hold nor resolved/closed, from its opening to its LAST resolution in
  the quarter (a reopened ticket's clock runs on from where it stopped). Counted in the
  quarter of that resolution. Tickets closed without resolution have no resolution time.
- working time: the school's calendar (its working days and hours, the holidays that apply
  to it, settings.TIME_ZONE) exactly as maintenance.sla counts it; a ticket with no school
  counts on the directorate office's calendar (Sunday–Thursday 07:30–14:30, national
  holidays). Computed for whole arrays by `reports.workingtime`, tested equal to
  maintenance.sla.working_seconds to the second.
- median and 90th percentile: numpy's linear interpolation between the two nearest ranks
  (the median of 1, 2, 3, 10 is 2.5 h; the 90th percentile of 3, 12, 17 is 16 h).
- SLA compliance %: of the tickets resolved in the quarter that have a resolve target, the
  share whose time to resolution (above) is at most the target — reaching it exactly is on
  time. The target is the ticket's own `sla_policy` if set, else the active policy for its
  priority and category, else the active policy for its priority and any category; tickets
  with none are left out (and counted apart). Derived from the timeline, so it is right for
  tickets created before the SLA columns were filled in.
- reopen (objection) rate: objections made in the quarter (TicketFeedback rows "objected")
  ÷ resolutions in the quarter (every entry into "resolved", so a ticket resolved twice
  counts twice).
- satisfaction: the average and the number of ratings (1–5) given in the quarter.

The fault report.
- outages counted: a device's OWN outages only. An outage caused by its parent (the device
  was unreachable behind a failed uplink or circuit) is the parent's fault, already counted
  at the parent; counting it again at every device behind it would multiply one fault.
- clipping: an outage that began before the quarter counts from the quarter's start; one
  still open at the quarter's end (or at "now") counts to it. The list shows its real start
  and end (an empty end: still down) and its duration inside the quarter, split into the
  part in the school's working hours and the part outside them ("counted apart").
- downtime and availability: only checks meaning "down" count — ping, SNMP and monitored
  interfaces (`faults.DOWN_CHECKS`); round-trip time, loss, error-rate and reboot outages are
  faults in the list but not downtime. A device's simultaneous outages are merged (a dead
  switch failing ping and SNMP is down once). Availability of a group (a school, a fiber
  circuit, a device class, everything) = 1 − downtime in working hours ÷ monitored working
  hours, in device-hours: every monitored device weighs the same. A device is monitored
  from its creation (or its first outage, if earlier) when it is enabled or had an outage.
  Downtime outside working hours does not lower availability; it is shown apart.
- failures: down stretches (merged, as above) that began in the quarter.
- MTTR: the mean full length (elapsed hours, not clipped) of the down stretches that ended
  in the quarter. MTBF: (monitored elapsed hours − downtime) ÷ failures begun in the quarter.
  Both in elapsed hours: a repair and a failure take clock time, not school time.
- outages by weekday × hour: own outages begun in the quarter, by local day and hour.
- top faulty assets: assets named by the most fault tickets opened in the quarter, then by
  their own outages begun in it. The ten worst sites: the schools with downtime in working
  hours, lowest availability first.

The corrective-actions register: every corrective action begun in the quarter in its current
version (a correction replaces the row it corrects), with its parts; part costs are the unit
cost recorded at the time of use. The budget table sets the parts used from 1 January to the
quarter's end against the year's PartBudget (shown only to roles that may see the budget).

Who reads what: core.roles (REPORT_READERS, REPORT_STAFF_TABLE) — the figures come from each
reader's scope, so school staff get their own school's only.

Formats: every number is rounded once, in the table (hours 2 decimals, percentages 1,
money 3, averages 2), and each format only writes that value, so the dashboard, the API and
the HTML, XLSX, CSV and PDF files agree digit for digit (tests/reports/test_exports.py). The
dashboard and the PDF show the first 500 rows of a longer table (a big quarter's corrective
actions) and say so; the HTML, XLSX, CSV and JSON downloads hold every row.
"""
