"""The audit report (``compliance report``): a document a DPO hands to a regulator.

:mod:`compliance.audit.view` turns one check run and its facts into a view model (nothing is
re-judged here: statuses come from the run's findings, figures from the facts);
:mod:`compliance.audit.volume` places the organization against the CN volume thresholds the
active rule packs declare; :mod:`compliance.audit.flowmap` lays out the data-flow map; and
:mod:`compliance.audit.render` writes HTML, Markdown or the CSV transfer register.
"""
