# The report around the checks: the table, Markdown and JUnit, the verdict line, progress.
test-nested = { $n } { $n ->
        [one] item
       *[other] items
    }: { $what }

## The runner: checks that could not run.

runner-did-not-finish = the check did not finish
runner-needs-failed = needs { $need }, which failed: { $cause }
runner-needs-skipped = needs { $need }, which was skipped: { $cause }
runner-needs-not-selected = needs { $need }, which was not run in this selection
runner-crashed = internal error: the check crashed ({ $error }); please report this as a bug
runner-deadline-passed = the run's --deadline of { $deadline } passed before this check finished
runner-signal-before-finish = { $signal } before this check finished
runner-needs-longer-deadline = a longer --deadline (or fix what stalls: see the checks it waits for)
runner-needs-uninterrupted = a run that is not interrupted
signal-interrupt = interrupted (Ctrl-C)
signal-terminate = terminated (SIGTERM)
signal-hangup = hung up (SIGHUP)
stopped-deadline = --deadline { $deadline } reached

## list and explain

list-category = category
list-verifies = verifies
list-footer = { $n } checks; `k8sjoin-check explain ID` describes one.
explain-head = { $id } — { $title } (category { $category })
explain-requires = Requires: { $checks } (skipped when one of them fails or is skipped)
explain-reads = Reads results of: { $checks }

## The table (terminal output)

table-region = region { $region }
table-no-region = no region
table-network = network { $network } ({ $source }: { $reason })
table-network-unknown = network unknown ({ $reason })
table-head = k8sjoin-check { $version } · { $region } · { $network }
table-apiserver = API server { $apiserver }
table-apiserver-via = API server { $apiserver } via forwarder { $forwarder }
table-fleet = fleet of { $n } nodes (results are true from each node): { $nodes }
table-vantage = vantage: { $host }{ $addresses } (results are true from this host)
table-header-status = STATUS
table-header-check = CHECK
table-header-message = MESSAGE
table-header-time = TIME
table-waived-status = { $status } (waived)
table-passed = passed ({ $n }): { $checks }
table-what-to-do = What to do:
table-did-not-run = Did not run (required for a verdict):
summary-needs-what-the-message-says = what the message says (k8sjoin-check explain { $id })
table-give = give: { $input }
table-waivers = Waivers:
table-waiver-expired = { $id } ({ $source }) expired on { $expires }: ignored, the checks it names count again
table-waiver-stale = { $id } ({ $source }) matches no check of this run: stale, remove it
table-not-visible = Not visible from this host:
table-counts = { $pass } pass, { $warn } warn, { $fail } fail, { $skip } skip, { $manual } manual · gate { $gate } (--fail-on { $fail_on })

## The verdict (the table's last line, Markdown)

verdict-ready = READY
verdict-not-ready = NOT READY
verdict-incomplete = INCOMPLETE
verdict-exit = exit { $code }
verdict-exit-allowed = exit 0 (--allow-incomplete)
verdict-one-fails = { $id } fails the gate
verdict-many-fail = { $n } checks fail the gate (see above)
verdict-stopped = { $stopped } before every check finished
verdict-one-did-not-run = { $id } did not run (see above)
verdict-many-did-not-run = { $n } required checks did not run (see above)
verdict-ready-because = every required check ran and nothing fails the gate
because-not-ready = { $n } { $n ->
        [one] check fails
       *[other] checks fail
    } the gate (--fail-on { $fail_on }): { $checks }
because-stopped = nothing failed, but the run stopped early ({ $stopped })
because-incomplete = nothing failed, but { $n } required { $n ->
        [one] check
       *[other] checks
    } did not run ({ $checks }); give { $inputs }
because-ready = every required check ran and nothing trips the gate

## Markdown and JUnit

markdown-head = **{ $verdict }** · **k8sjoin-check { $version }**: gate **{ $gate }** (--fail-on { $fail_on }) · { $pass } pass, { $warn } warn, { $fail } fail, { $skip } skip, { $manual } manual · region { $region } · network { $network } · vantage `{ $vantage }` · { $started }
markdown-network-unknown = unknown
markdown-columns = | status | check | message | what to do |
markdown-waived = { $status } (waived until { $expires }: { $reason })
markdown-did-not-run = `{ $id }` did not run: { $reason } — give { $input }
markdown-waiver-expired = waiver `{ $id }` ({ $source }) expired on { $expires }: ignored
markdown-waiver-stale = waiver `{ $id }` ({ $source }) matches no check: stale
junit-waived = waived until { $expires } ({ $source }): { $reason }
table-network-source-flag = flag
table-network-source-inferred = inferred

## Wording shared by the checks

words-and-more = { $list } and { $more } more

## The progress line (standard error, on a terminal)

progress-line = { $finished }/{ $total } checks done · running { $running }
