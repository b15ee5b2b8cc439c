"""Open a run report in headless Chromium, use its controls, save screenshots.

Drives the page of ``tools/report.py`` the way a user would, through the
DevTools protocol over a pipe (``--remote-debugging-pipe``: no port, no
network, no Python package beyond the standard library): it opens
``index.html`` from the file system, takes a picture of the summary and the
per-class section, then in the gallery selects the split of the first image
and sorts by the per-image mIoU of a column (worst first), by the change
between two columns, filters the images labelled with a class that one column
erased, turns a page, and selects each other split (the segmentation stage's
val images), checking after each step what the page shows (the order of the
sort values, the class of every row, the page counter, the split's rows and
columns) and taking a screenshot. Every console message of level
error or warning, uncaught exception and failed load is printed; any makes the
script fail, as does a broken image or a failed check.

Needs the ``chromium`` package of the system (Debian: ``apt-get install
chromium``).

Example::

    python tools/report.py work_dirs/demo
    python benchmarks/report_screenshots.py work_dirs/demo/report --out screenshots/
"""
import argparse
import base64
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional


class Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe``.

    Args:
        executable: The Chromium binary.
        width: Viewport width (pixels).
        height: Viewport height (pixels).
    """

    def __init__(self, executable: str, width: int = 1400, height: int = 1000) -> None:
        self.profile = tempfile.mkdtemp(prefix='report_screenshots_')
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def use_pipes() -> None:  # Chromium reads fd 3, writes fd 4
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        self.process = subprocess.Popen(
            [executable, '--headless=new', '--remote-debugging-pipe', '--no-sandbox',
             '--disable-gpu', '--no-first-run', '--no-default-browser-check',
             f'--user-data-dir={self.profile}', f'--window-size={width},{height}',
             'about:blank'],
            pass_fds=(3, 4), preexec_fn=use_pipes, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b''
        self._next_id = 0
        self.events: List[Dict[str, Any]] = []
        target = self.send('Target.createTarget', url='about:blank')['targetId']
        self.session = self.send('Target.attachToTarget', targetId=target,
                                 flatten=True)['sessionId']
        for domain in ('Page', 'Runtime', 'Log'):
            self.call(f'{domain}.enable')
        self.call('Emulation.setDeviceMetricsOverride', width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def send(self, method: str, session: Optional[str] = None, **params: Any) -> Dict[str, Any]:
        """Send one command and return its result (events meanwhile are kept)."""
        self._next_id += 1
        message = dict(id=self._next_id, method=method, params=params)
        if session:
            message['sessionId'] = session
        os.write(self._commands, json.dumps(message).encode() + b'\0')
        while True:
            reply = self._read()
            if reply.get('id') == self._next_id:
                if 'error' in reply:
                    raise RuntimeError(f'{method}: {reply["error"]}')
                return reply.get('result', {})
            self.events.append(reply)

    def call(self, method: str, **params: Any) -> Dict[str, Any]:
        """A command of the page's session."""
        return self.send(method, self.session, **params)

    def _read(self) -> Dict[str, Any]:
        """The next message of the pipe."""
        while b'\0' not in self._buffer:
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError('Chromium closed the DevTools pipe')
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b'\0', 1)
        return json.loads(message)

    def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        self.call('Page.navigate', url=url)
        while not any(event.get('method') == 'Page.loadEventFired' for event in self.events):
            self.events.append(self._read())

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited when a promise)."""
        result = self.call('Runtime.evaluate', expression=expression, awaitPromise=True,
                           returnByValue=True)
        if 'exceptionDetails' in result:
            raise RuntimeError(f'{expression[:80]}...: {result["exceptionDetails"]}')
        return result['result'].get('value')

    def screenshot(self, path: str) -> None:
        """Save the viewport as PNG once its images have loaded."""
        self.evaluate('Promise.all([...document.images].filter((i) => i.loading !== "lazy"'
                      ' || i.getBoundingClientRect().top < innerHeight).map((i) => i.complete'
                      ' ? 0 : new Promise((r) => { i.onload = i.onerror = r; })))')
        data = self.call('Page.captureScreenshot', format='png')['data']
        Path(path).write_bytes(base64.b64decode(data))

    def problems(self) -> List[str]:
        """Console errors and warnings, exceptions and failed loads so far."""
        found = []
        for event in self.events:
            method, params = event.get('method'), event.get('params', {})
            if method == 'Runtime.consoleAPICalled' and params.get('type') in ('error',
                                                                                'warning'):
                found.append('console: ' + ' '.join(str(arg.get('value', arg.get('description')))
                                                    for arg in params.get('args', [])))
            elif method == 'Runtime.exceptionThrown':
                details = params.get('exceptionDetails', {})
                found.append('exception: ' + str(details.get('exception', {}).get(
                    'description', details.get('text'))))
            elif method == 'Log.entryAdded' and params['entry'].get('level') in ('error',
                                                                                 'warning'):
                entry = params['entry']
                found.append(f'log: {entry.get("text")} {entry.get("url", "")}'.strip())
        return found

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        try:
            self.send('Browser.close')
        except RuntimeError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._replies)
        shutil.rmtree(self.profile, ignore_errors=True)


def set_control(browser: Browser, control: str, value: str) -> None:
    """Choose an option of a ``<select>`` of the page as a user does (a change event)."""
    found = browser.evaluate(
        f'(() => {{ const s = document.getElementById({json.dumps(control)});'
        f' if (![...s.options].some((o) => o.value === {json.dumps(value)})) return false;'
        f' s.value = {json.dumps(value)}; s.dispatchEvent(new Event("change"));'
        ' return true; })()')
    if not found:
        raise RuntimeError(f'select #{control} has no option {value!r}')


SHOWN_ROWS = """[...document.querySelectorAll('#gallery-table tbody tr')].map((tr) => ({
  id: tr.dataset.id,
  labels: [...tr.querySelectorAll('.chip')].map((c) => c.textContent),
  value: (tr.querySelector('td.info div:last-child').textContent.match(/-?[0-9.]+$/)
          || [null])[0]}))"""
"""JavaScript: id, class chips and shown sort value of each gallery row on the page."""


def check(condition: bool, message: str, failures: List[str]) -> None:
    """Print a check's outcome and keep the failures."""
    print(('ok    ' if condition else 'FAIL  ') + message)
    if not condition:
        failures.append(message)


def run(report_dir: str, out: str, executable: str) -> int:
    """Drive the page, save the screenshots; the number of problems found."""
    index = osp.abspath(osp.join(report_dir, 'index.html'))
    data = json.loads(Path(report_dir, 'data.json').read_text())
    gallery = data['gallery']
    split = gallery['rows'][0]['split'] if gallery['rows'] else ''
    split_rows = [row for row in gallery['rows'] if row['split'] == split]
    labels = [column['key'] for column in gallery['columns'] if column['kind'] == 'label'
              and any(column['key'] in row['miou'] for row in split_rows)]
    if not labels:
        raise ValueError(f'{index}: the gallery has no label column to sort by')
    os.makedirs(out, exist_ok=True)
    failures: List[str] = []
    browser = Browser(executable)
    try:
        start = time.time()
        browser.open(Path(index).as_uri())
        print(f'page loaded in {time.time() - start:.2f} s ({len(gallery["rows"])} images)')
        browser.screenshot(osp.join(out, '1_summary.png'))
        browser.evaluate('document.getElementById("per-class").scrollIntoView()')
        browser.screenshot(osp.join(out, '2_per_class.png'))
        browser.evaluate('document.getElementById("gallery").scrollIntoView()')
        browser.screenshot(osp.join(out, '3_gallery.png'))

        worst = labels[-1]
        set_control(browser, 'split', split)
        set_control(browser, 'sort', 'miou')
        set_control(browser, 'col-a', worst)
        rows = browser.evaluate(SHOWN_ROWS)
        values = [float(row['value']) for row in rows if row['value'] is not None]
        check(len(values) == len(rows) > 0 and values == sorted(values),
              f'sorted by the mIoU of {worst}, worst first: {values[:5]} ...', failures)
        browser.screenshot(osp.join(out, '4_worst_first.png'))

        set_control(browser, 'sort', 'change')
        set_control(browser, 'col-a', labels[0])
        set_control(browser, 'col-b', worst)
        rows = browser.evaluate(SHOWN_ROWS)
        values = [float(row['value']) for row in rows if row['value'] is not None]
        check(values == sorted(values) and bool(values),
              f'sorted by the change {labels[0]} -> {worst}, largest drop first: '
              f'{values[:5]} ...', failures)
        browser.screenshot(osp.join(out, '5_change.png'))

        classes = gallery['classes']
        erased = {index: sum(index in row['labels']
                             and index not in row['present'].get(worst, [index])
                             for row in split_rows) for index in range(1, len(classes))}
        target = max(erased, key=erased.get)
        set_control(browser, 'cls', classes[target])
        if erased[target]:  # the images where the column lost a labelled class
            set_control(browser, 'where', f'erased:{worst}')
            wanted, what = erased[target], f'labelled {classes[target]!r} and erased in {worst}'
        else:
            wanted = sum(target in row['labels'] for row in split_rows)
            what = f'labelled {classes[target]!r} (no column erased a class)'
        rows = browser.evaluate(SHOWN_ROWS)
        info = browser.evaluate('document.getElementById("page-info").textContent')
        check(bool(rows) and all(classes[target] in row['labels'] for row in rows)
              and f'({wanted} of ' in info,
              f'filtered: {wanted} images {what}; page says {info!r}', failures)
        browser.screenshot(osp.join(out, '6_filtered.png'))

        set_control(browser, 'cls', '')
        set_control(browser, 'sort', 'id')
        set_control(browser, 'size', '10')
        browser.evaluate('document.getElementById("next").click()')
        rows = browser.evaluate(SHOWN_ROWS)
        info = browser.evaluate('document.getElementById("page-info").textContent')
        pages = -(-len(split_rows) // 10)
        ids = sorted(row['id'] for row in split_rows)
        check([row['id'] for row in rows] == ids[10:20] and info.startswith(
            f'page 2 of {pages}'), f'page 2 of {pages}: {info!r}', failures)
        browser.screenshot(osp.join(out, '7_page_2.png'))

        set_control(browser, 'size', '25')
        for other in sorted({row['split'] for row in gallery['rows']} - {split}):
            set_control(browser, 'split', other)
            shown = [row['id'] for row in browser.evaluate(SHOWN_ROWS)]
            titles = browser.evaluate(
                "[...document.querySelectorAll('#gallery-table thead th')]"
                '.map((th) => th.textContent)')
            members = [row for row in gallery['rows'] if row['split'] == other]
            wanted = [column['title'] for column in gallery['columns']
                      if any(column['key'] in row['cells'] for row in members)]
            check(shown == sorted(row['id'] for row in members)[:25]
                  and titles[len(titles) - len(wanted):] == wanted,
                  f'split {other}: {len(members)} images, columns {wanted}', failures)
            browser.screenshot(osp.join(out, f'8_split_{other}.png'))
        broken = browser.evaluate('[...document.images].filter((i) => i.complete'
                                  ' && i.naturalWidth === 0).map((i) => i.src)')
        check(not broken, f'no broken images among those loaded ({broken[:3]})', failures)
        problems = browser.problems()
        check(not problems, f'console: {len(problems)} errors or warnings', failures)
        for problem in problems:
            print('   ', problem)
    finally:
        browser.close()
    print(f'screenshots in {out}')
    return len(failures)


def main() -> None:
    """Parse the arguments, run the checks, exit 1 on any problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('report_dir', help='the report folder (with index.html, data.json)')
    parser.add_argument('--out', default='report_screenshots', help='folder of the PNGs')
    parser.add_argument('--chromium', default=shutil.which('chromium') or 'chromium',
                        help='Chromium binary (default: chromium on the PATH)')
    args = parser.parse_args()
    if not osp.isfile(osp.join(args.report_dir, 'index.html')):
        parser.error(f'no index.html in {args.report_dir}')
    if not shutil.which(args.chromium):
        parser.error(f'Chromium not found: {args.chromium} (Debian: apt-get install chromium)')
    sys.exit(1 if run(args.report_dir, args.out, args.chromium) else 0)


if __name__ == '__main__':
    main()
