"""`grader.report`: what graded notebooks tell students and teaching assistants.

Modules, one concept each:

- `verdicts`: the graded test cells of an autograded notebook and the verdict each displayed;
- `disclosure`: what a student may see of a verdict (of hidden tests: verdict and hint only);
- `feedback`: one self-contained HTML page per student and notebook, in nbgrader's feedback/ layout;
- `classreport`: the class's numbers (score distribution, per-exercise marks, frequent mistakes,
  submissions that could not be graded) as HTML, CSV and JSON for TAs;
- `plots`: matplotlib figures embedded in a page as data: URIs;
- `markup`: markdown, code, outputs and the Jinja2 templates in templates/;
- `browser`: a page as a person sees it (headless Chromium, offline), for the tests and the README.

Nothing here imports JAX.
"""
from __future__ import annotations
