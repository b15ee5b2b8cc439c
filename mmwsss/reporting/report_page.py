"""The static page of a run report: ``index.html``, ``report.css``, ``report.js``.

The page needs no server, no network and no file outside the report folder:
``data.js`` (written by :func:`~mmwsss.reporting.report.write_json_text`) holds
the text of ``data.json``, which ``report.js`` parses with ``JSON.parse`` (a
strict parser) and renders with DOM calls only (no ``innerHTML`` of data).

The gallery reads and writes its state in the URL hash, so a view can be
bookmarked or opened directly: ``index.html#sort=miou&a=rw-rw_pseudo_labels
&cls=dots&where=erased:rw-rw_pseudo_labels&page=2``. Keys: ``split`` (a split
name), ``cls`` (a class name), ``where`` (``labelled``: the image is labelled
with ``cls``; ``erased:{column}``: labelled with it but the column's map has
none of it), ``sort`` (``id``, ``miou``: per-image mIoU of column ``a``,
``change``: column ``b`` minus column ``a``), ``order`` (``asc``: worst
first, ``desc``), ``page`` (from 1) and ``size`` (rows per page). The
gallery shows the columns that have a picture in one of the selected rows (the
split ``val``: the segmentation stage's predictions).
"""
import os.path as osp

from mmwsss.utils import atomic_path

PAGE_SIZES = (10, 25, 50, 100)
"""Rows per gallery page offered by the page."""

INDEX_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mmwsss run report</title>
<link rel="stylesheet" href="report.css">
</head>
<body>
<header>
  <h1 id="title">mmwsss run report</h1>
  <nav><a href="#summary" data-section="summary">Summary</a>
  <a href="#per-class" data-section="per-class">Per class</a>
  <a href="#gallery" data-section="gallery">Gallery</a></nav>
</header>
<div id="errors" hidden></div>
<section id="summary"><h2>Summary</h2></section>
<section id="per-class"><h2>Per class</h2></section>
<section id="gallery"><h2>Gallery</h2>
  <form id="controls">
    <label>split <select id="split"></select></label>
    <label>class <select id="cls"></select></label>
    <label>where <select id="where"></select></label>
    <label>sort <select id="sort"></select></label>
    <label>column A <select id="col-a"></select></label>
    <label>column B <select id="col-b"></select></label>
    <label>order <select id="order">
      <option value="asc">worst first</option><option value="desc">best first</option>
    </select></label>
    <label>per page <select id="size">__SIZES__</select></label>
  </form>
  <div class="pager"><button type="button" id="prev">&larr; previous</button>
    <span id="page-info"></span>
    <button type="button" id="next">next &rarr;</button></div>
  <table id="gallery-table"><thead></thead><tbody></tbody></table>
</section>
<script src="data.js"></script>
<script src="report.js"></script>
</body>
</html>
"""

REPORT_CSS = """
body { font-family: sans-serif; margin: 0 1.5em 2em; color: #222; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ccc;
  z-index: 2; display: flex; align-items: baseline; gap: 2em; }
header h1 { font-size: 1.2em; margin: 0.5em 0; }
nav a { margin-right: 1em; }
h2 { border-bottom: 2px solid #468; padding-top: 0.5em; }
section { scroll-margin-top: 3em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; }
th { background: #eef; }
td.num { text-align: right; }
pre { font-size: 0.75em; max-height: 30em; overflow: auto; background: #f6f6f6; }
.warning { color: #a40; font-weight: bold; }
#errors { background: #fdd; border: 1px solid #c00; padding: 0.5em; white-space: pre-wrap; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
.plots figure { margin: 0; }
.plots img { max-width: 100%; border: 1px solid #ddd; }
#controls { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; margin: 0.5em 0; }
.pager { margin: 0.5em 0; }
.pager span { margin: 0 1em; }
#gallery-table td { text-align: center; }
#gallery-table td.info { text-align: left; min-width: 10em; }
#gallery-table img { display: block; margin: 0 auto; max-height: 88px; max-width: 150px; }
#gallery-table .cams img { max-height: 64px; }
.cams { display: flex; gap: 2px; }
.caption { font-size: 0.85em; }
.chip { display: inline-block; padding: 0 4px; margin: 1px; border-radius: 3px;
  font-size: 0.85em; border: 1px solid #999; }
.bad { color: #b00; font-weight: bold; }
"""

REPORT_JS = r"""'use strict';
(function () {
  const errors = document.getElementById('errors');
  window.addEventListener('error', (event) => {
    errors.hidden = false;
    errors.textContent += 'error: ' + event.message + '\n';
  });
  const data = JSON.parse(window.MMWSSS_REPORT_JSON);

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }
  function fmt(value, digits) {
    return value === null || value === undefined ? '-' : Number(value).toFixed(digits);
  }
  function table(header, rows) {
    const head = header ? [el('thead', {}, [el('tr', {}, header.map(
      (cell) => el('th', {text: String(cell)})))])] : [];
    const body = rows.map((row) => el('tr', {}, row.map((cell) => el('td', {
      text: String(cell), class: /^-?[0-9.]+$/.test(String(cell)) ? 'num' : ''}))));
    return el('table', {}, head.concat([el('tbody', {}, body)]));
  }

  // ---- summary ----
  function renderSummary() {
    const section = document.getElementById('summary');
    document.getElementById('title').textContent = 'Run report: ' + data.title;
    document.title = 'mmwsss report: ' + data.title;
    const run = Object.entries(data.run).map(([key, value]) => [key, String(value)]);
    run.unshift(['work dir', data.work_dir], ['report written', data.generated]);
    section.appendChild(table(null, run));
    if (data.warnings.length) {
      section.appendChild(el('h3', {text: 'Collapse warnings of the pseudo labels'}));
      section.appendChild(el('ul', {}, data.warnings.map(
        (text) => el('li', {class: 'warning', text: text}))));
    }
    section.appendChild(el('h3', {text: 'Stages'}));
    const rows = data.stages.map((stage) => [
      stage.name,
      Object.entries(stage.seconds).map(([step, s]) => step + ' ' + fmt(s, 0) + ' s').join(', '),
      stage.skipped.join(', ') || '-',
      Object.entries(stage.images_without_labels).map(([k, v]) => k + ' ' + v).join(', ') || '-',
      stage.config || '-']);
    section.appendChild(table(
      ['stage', 'step times', 'skipped (earlier run)', 'images without labels', 'config'], rows));
    for (const stage of data.stages) {
      for (const [step, text] of Object.entries(stage.resolved_config)) {
        section.appendChild(el('details', {}, [
          el('summary', {text: 'resolved config: ' + stage.name + ' / ' + step}),
          el('pre', {text: text})]));
      }
    }
    for (const block of data.leaderboard) {
      if (block.kind === 'heading') {
        section.appendChild(el(block.level <= 1 ? 'h3' : 'h4', {text: block.text}));
      } else if (block.kind === 'text') {
        section.appendChild(el('p', {text: block.text}));
      } else {
        section.appendChild(table(block.header, block.rows));
      }
    }
  }

  // ---- per class ----
  function renderPerClass() {
    const section = document.getElementById('per-class');
    if (!data.per_class.length && !data.survival.length && !data.plots.length) {
      section.appendChild(el('p', {text: 'No per-class scores in this work dir.'}));
    }
    section.appendChild(el('div', {class: 'plots'}, data.plots.map((plot) => el('figure', {}, [
      el('img', {src: plot.src, alt: plot.title}), el('figcaption', {text: plot.title})]))));
    const names = data.per_class.map((result) => result.name);
    for (const score of ['IoU', 'Precision', 'Recall']) {
      if (!data.per_class.length) break;
      const classes = [...new Set(data.per_class.flatMap((r) => Object.keys(r.scores)))];
      const rows = classes.map((name) => [name].concat(data.per_class.map(
        (r) => r.scores[name] ? fmt(r.scores[name][score], 2) : '-')));
      section.appendChild(el('details', {open: ''}, [
        el('summary', {text: score + ' per class (%)'}), table(['class'].concat(names), rows)]));
    }
    if (data.survival.length) {
      const classes = [...new Set(data.survival.flatMap((r) => Object.keys(r.kept)))];
      const rows = classes.map((name) => [name].concat(data.survival.map((r) =>
        (r.kept[name] === null || r.kept[name] === undefined ? '-' : fmt(100 * r.kept[name], 1))
        + ' / ' + fmt(r.area_ratio[name], 2))));
      rows.push(['collapsed'].concat(data.survival.map((r) => r.collapsed.join(', ') || 'none')));
      section.appendChild(el('details', {open: ''}, [
        el('summary', {text: 'label survival: kept (% of the labelled images) / area ratio'}),
        table(['class'].concat(data.survival.map((r) => r.name)), rows)]));
    }
  }

  // ---- gallery ----
  const gallery = data.gallery;
  const classes = gallery.classes;
  const scored = gallery.columns.filter((c) => c.kind === 'label');
  const state = {split: 'all', cls: '', where: 'labelled', sort: 'id', order: 'asc',
    a: scored.length ? scored[0].key : '', b: scored.length ? scored[scored.length - 1].key : '',
    page: 1, size: 25};

  function options(select, entries) {
    select.replaceChildren(...entries.map(
      ([value, text]) => el('option', {value: value, text: text})));
  }
  function setupControls() {
    const splits = [...new Set(gallery.rows.map((row) => row.split))];
    options(document.getElementById('split'), [['all', 'all']].concat(splits.map((s) => [s, s])));
    options(document.getElementById('cls'), [['', 'any']].concat(
      classes.slice(1).map((name) => [name, name])));
    options(document.getElementById('where'), [['labelled', 'labelled with the class']].concat(
      scored.map((c) => ['erased:' + c.key, 'labelled, erased in ' + c.title])));
    options(document.getElementById('sort'), [['id', 'image id'],
      ['miou', 'per-image mIoU of column A'], ['change', 'change: column B - column A']]);
    const columns = scored.map((c) => [c.key, c.title]);
    options(document.getElementById('col-a'), columns);
    options(document.getElementById('col-b'), columns);
    const ids = {split: 'split', cls: 'cls', where: 'where', sort: 'sort', a: 'col-a',
      b: 'col-b', order: 'order', size: 'size'};
    for (const [key, id] of Object.entries(ids)) {
      document.getElementById(id).addEventListener('change', (event) => {
        state[key] = key === 'size' ? Number(event.target.value) : event.target.value;
        state.page = 1;
        update();
      });
    }
    document.getElementById('prev').addEventListener('click', () => { state.page -= 1; update(); });
    document.getElementById('next').addEventListener('click', () => { state.page += 1; update(); });
    window.addEventListener('hashchange', () => { readHash(); renderGallery(); });
  }
  function readHash() {
    const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    for (const key of Object.keys(state)) {
      if (params.has(key)) {
        state[key] = ['page', 'size'].includes(key) ? Number(params.get(key)) : params.get(key);
      }
    }
  }
  function update() {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) params.set(key, String(value));
    history.replaceState(null, '', '#' + params.toString());
    renderGallery();
  }
  function selected() {
    const cls = classes.indexOf(state.cls);
    let rows = gallery.rows.filter((row) => state.split === 'all' || row.split === state.split);
    if (cls > 0) {
      rows = rows.filter((row) => row.labels.includes(cls));
      if (state.where.startsWith('erased:')) {
        const key = state.where.slice('erased:'.length);
        rows = rows.filter((row) => row.present[key] && !row.present[key].includes(cls));
      }
    }
    const value = (row) => {
      const a = row.miou[state.a];
      if (state.sort === 'miou') return a;
      const b = row.miou[state.b];
      return a === null || a === undefined || b === null || b === undefined ? null : b - a;
    };
    if (state.sort === 'id') {
      rows.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    } else {
      const sign = state.order === 'desc' ? -1 : 1;
      rows = rows.map((row) => [row, value(row)]);
      rows.sort(([x, vx], [y, vy]) => {
        const missX = vx === null || vx === undefined, missY = vy === null || vy === undefined;
        if (missX || missY) return missX - missY;
        return sign * (vx - vy) || (x.id < y.id ? -1 : 1);
      });
      rows = rows.map(([row, v]) => Object.assign({sortValue: v}, row));
    }
    return rows;
  }
  function chip(index) {
    const [r, g, b] = gallery.palette[index] || [255, 255, 255];
    const light = 0.299 * r + 0.587 * g + 0.114 * b > 128;
    const span = el('span', {class: 'chip', text: classes[index]});
    span.style.background = 'rgb(' + r + ',' + g + ',' + b + ')';
    span.style.color = light ? '#000' : '#fff';
    return span;
  }
  function image(src, alt) {
    return el('img', {src: src, alt: alt, loading: 'lazy'});
  }
  function renderGallery() {
    for (const [key, id] of [['split', 'split'], ['cls', 'cls'], ['where', 'where'],
      ['sort', 'sort'], ['a', 'col-a'], ['b', 'col-b'], ['order', 'order'], ['size', 'size']]) {
      document.getElementById(id).value = String(state[key]);
    }
    const rows = selected();
    const pages = Math.max(1, Math.ceil(rows.length / state.size));
    state.page = Math.min(Math.max(1, state.page || 1), pages);
    document.getElementById('page-info').textContent =
      'page ' + state.page + ' of ' + pages + ' (' + rows.length + ' of ' + gallery.rows.length
      + ' images)';
    document.getElementById('prev').disabled = state.page <= 1;
    document.getElementById('next').disabled = state.page >= pages;
    const hasGt = gallery.rows.some((row) => row.cells.gt);
    // the columns of the selected rows' stages (a split selects a stage's rows)
    const columns = [{key: 'image', title: 'image', kind: 'picture'}].concat(
      hasGt ? [{key: 'gt', title: 'ground truth', kind: 'picture'}] : [],
      gallery.columns.filter((c) => rows.some((row) => row.cells[c.key])));
    const thead = document.querySelector('#gallery-table thead');
    thead.replaceChildren(el('tr', {}, [el('th', {text: 'image id, labels'})].concat(
      columns.map((c) => el('th', {text: c.title})))));
    const body = rows.slice((state.page - 1) * state.size, state.page * state.size).map((row) => {
      const info = el('td', {class: 'info'}, [el('div', {text: row.id + ' (' + row.split + ')'}),
        el('div', {}, row.labels.map(chip))]);
      if (row.sortValue !== undefined) {
        info.appendChild(el('div', {class: row.sortValue < 0 ? 'bad' : '',
          text: (state.sort === 'miou' ? 'mIoU ' : 'change ') + fmt(row.sortValue, 2)}));
      }
      const cells = columns.map((column) => {
        const cell = row.cells[column.key];
        if (!cell) return el('td', {text: '-'});
        if (column.kind === 'cams') {
          return el('td', {}, [el('div', {class: 'cams'}, cell.map(([index, src]) =>
            el('div', {}, [image(src, classes[index]),
              el('div', {class: 'caption', text: classes[index]})])))]);
        }
        const children = [image(cell, column.title + ' of ' + row.id)];
        if (column.key in row.miou) {
          children.push(el('div', {class: 'caption',
            text: 'mIoU ' + fmt(row.miou[column.key], 1)}));
        }
        return el('td', {}, children);
      });
      return el('tr', {'data-id': row.id}, [info].concat(cells));
    });
    document.querySelector('#gallery-table tbody').replaceChildren(...body);
  }

  renderSummary();
  renderPerClass();
  setupControls();
  readHash();
  renderGallery();
  if (/[=&]/.test(window.location.hash)) document.getElementById('gallery').scrollIntoView();
})();
"""


def write_page(report_dir: str) -> str:
    """Write ``index.html``, ``report.css`` and ``report.js`` into a report folder.

    Args:
        report_dir: The report folder (``data.js`` is written beside them by
            :func:`~mmwsss.reporting.report.write_json_text`).

    Returns:
        The path of ``index.html``.
    """
    sizes = ''.join(f'<option value="{size}">{size}</option>' for size in PAGE_SIZES)
    files = {'index.html': INDEX_HTML.replace('__SIZES__', sizes),
             'report.css': REPORT_CSS.lstrip(),
             'report.js': REPORT_JS}
    for name, text in files.items():
        with atomic_path(osp.join(report_dir, name)) as tmp:
            tmp.write_text(text)
    return osp.join(report_dir, 'index.html')
