/* lmsbridge SCO runtime: one page at a time, bookmark, progress, quiz, tracking (SCORM 1.2 and 2004).
 *
 * The page is written by scorm/render.py as scorm/runtime/CONTRACT.md describes; this file relies on that
 * contract only. Plain ES2017, no third-party code, nothing loaded from the network. Without an LMS the module
 * still reads and the quiz still works; nothing is saved then.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------------------------------------------
  // The two versions: API object, functions and data model elements. One adapter (Lms) speaks both.
  // ---------------------------------------------------------------------------------------------------------
  const VERSIONS = {
    '1.2': {
      api: 'API',
      fn: { init: 'LMSInitialize', finish: 'LMSFinish', get: 'LMSGetValue', set: 'LMSSetValue',
            commit: 'LMSCommit', error: 'LMSGetLastError', string: 'LMSGetErrorString',
            diagnostic: 'LMSGetDiagnostic' },
      el: { entry: 'cmi.core.entry', location: 'cmi.core.lesson_location', suspend: 'cmi.suspend_data',
            exit: 'cmi.core.exit', session: 'cmi.core.session_time', mode: 'cmi.core.lesson_mode',
            lang: 'cmi.student_preference.language', score: 'cmi.core.score', count: 'cmi.interactions._count' },
      suspendLimit: 4096,
      locationLimit: 255,
      exitDone: '',
    },
    '2004': {
      api: 'API_1484_11',
      fn: { init: 'Initialize', finish: 'Terminate', get: 'GetValue', set: 'SetValue', commit: 'Commit',
            error: 'GetLastError', string: 'GetErrorString', diagnostic: 'GetDiagnostic' },
      el: { entry: 'cmi.entry', location: 'cmi.location', suspend: 'cmi.suspend_data', exit: 'cmi.exit',
            session: 'cmi.session_time', mode: 'cmi.mode', lang: 'cmi.learner_preference.language',
            score: 'cmi.score', count: 'cmi.interactions._count' },
      suspendLimit: 64000,
      locationLimit: 1000,
      exitDone: 'normal',
    },
  };

  // What each error code means, for the diagnostics we log when the LMS gives no string of its own.
  const ERRORS = {
    '1.2': { 101: 'General exception', 201: 'Invalid argument', 202: 'Element cannot have children',
             203: 'Element not an array', 301: 'Not initialized', 401: 'Not implemented',
             402: 'Invalid set value, element is a keyword', 403: 'Element is read only',
             404: 'Element is write only', 405: 'Incorrect data type' },
    '2004': { 101: 'General exception', 102: 'General initialization failure', 103: 'Already initialized',
              104: 'Content instance terminated', 111: 'General termination failure',
              112: 'Termination before initialization', 113: 'Termination after termination',
              122: 'Retrieve data before initialization', 123: 'Retrieve data after termination',
              132: 'Store data before initialization', 133: 'Store data after termination',
              142: 'Commit before initialization', 143: 'Commit after termination', 201: 'General argument error',
              301: 'General get failure', 351: 'General set failure', 391: 'General commit failure',
              401: 'Undefined data model element', 402: 'Unimplemented data model element',
              403: 'Data model element value not initialized', 404: 'Data model element is read only',
              405: 'Data model element is write only', 406: 'Data model element type mismatch',
              407: 'Data model element value out of range', 408: 'Data model dependency not established' },
  };
  // Codes that mean the session with the LMS is not (or no longer) open: stop talking to it.
  const CLOSED = { '1.2': [301], '2004': [104, 112, 113, 122, 123, 132, 133, 142, 143] };
  // Codes that mean the LMS does not keep this element at all: stop writing it.
  const UNSUPPORTED = { '1.2': [201, 401], '2004': [401, 402] };

  // The standards bound nothing, so walk at most this many frames up each chain: real players nest two or
  // three deep, and an unbounded walk could spin on a hostile or broken frame tree.
  const MAX_FRAMES = 10;

  function scanFrames(win, name) {
    for (let depth = 0; win && depth <= MAX_FRAMES; depth += 1) {
      try {
        const api = win[name];
        if (api && (typeof api === 'object' || typeof api === 'function')) return api;
      } catch (e) { /* a cross-origin frame: its API is not ours to use, keep climbing */ }
      let parent = null;
      try { parent = win.parent; } catch (e) { return null; }
      if (!parent || parent === win) return null;
      win = parent;
    }
    return null;
  }

  /** The LMS API object: this window and its parents first, then the opener's (popup launch) chain. */
  function findAPI(name) {
    let api = scanFrames(window, name);
    const openers = [];
    try { if (window.opener) openers.push(window.opener); } catch (e) { /* ignore */ }
    try { if (window.top && window.top.opener) openers.push(window.top.opener); } catch (e) { /* ignore */ }
    for (let i = 0; !api && i < openers.length; i += 1) api = scanFrames(openers[i], name);
    return api || null;
  }

  class Lms {
    constructor(version) {
      this.version = version;
      this.v = VERSIONS[version];
      this.api = findAPI(this.v.api);
      this.open = false;        // initialised and not yet finished
      this.finished = false;
      this.errors = [];         // {call, element, code, message, diagnostic}: kept for support and tests
      this.unsupported = new Set();
    }

    _lastError(call, element, quiet) {
      const fn = this.v.fn;
      let code = 0;
      try { code = parseInt(String(this.api[fn.error]()), 10) || 0; } catch (e) { code = 101; }
      if (code === 0) return 0;
      let message = '';
      let diagnostic = '';
      try { message = String(this.api[fn.string](String(code)) || ''); } catch (e) { /* ignore */ }
      try { diagnostic = String(this.api[fn.diagnostic](String(code)) || ''); } catch (e) { /* ignore */ }
      const entry = { call, element: element || '', code,
                      message: message || ERRORS[this.version][code] || 'Unknown error', diagnostic };
      this.errors.push(entry);
      if (this.errors.length > 200) this.errors.shift();
      if (window.console && (quiet || []).indexOf(code) < 0) console.warn('lmsbridge: ' + call + (element ? ' ' + element : '') + ' -> ' + code +
                                       ' ' + entry.message + (diagnostic ? ' (' + diagnostic + ')' : ''));
      if (CLOSED[this.version].indexOf(code) >= 0) this.open = false;
      return code;
    }

    _call(name, args, element) {
      try {
        return this.api[this.v.fn[name]].apply(this.api, args);
      } catch (e) {
        this.errors.push({ call: this.v.fn[name], element: element || '', code: -1, message: String(e), diagnostic: '' });
        return 'false';
      }
    }

    initialize() {
      if (!this.api) return false;
      const ok = String(this._call('init', [''])) === 'true';
      const code = ok ? 0 : this._lastError(this.v.fn.init);
      // 2004's 103 says the session is already open (a player that initialised for us): use it.
      this.open = ok || (this.version === '2004' && code === 103);
      return this.open;
    }

    get(element) {
      if (!this.open) return '';
      const value = this._call('get', [element], element);
      // Reading an element that has no value yet (2004: 403) or that the LMS lacks (401) is routine.
      const code = this._lastError(this.v.fn.get, element, this.version === '2004' ? [401, 403] : [401]);
      return code === 0 && value !== null && value !== undefined ? String(value) : '';
    }

    /** Returns the error code (0 = stored). */
    set(element, value) {
      if (!this.open) return 301;
      const ok = String(this._call('set', [element, String(value)], element)) === 'true';
      const code = this._lastError(this.v.fn.set, element);
      return ok && code === 0 ? 0 : (code || 101);
    }

    isUnsupported(code) { return UNSUPPORTED[this.version].indexOf(code) >= 0; }

    commit() {
      if (!this.open) return false;
      const ok = String(this._call('commit', [''])) === 'true';
      return this._lastError(this.v.fn.commit) === 0 && ok;
    }

    /** LMSFinish / Terminate: exactly once per page life, whatever calls it. */
    finish() {
      if (this.finished || !this.open) return false;
      this.finished = true;
      const ok = String(this._call('finish', [''])) === 'true';
      const code = this._lastError(this.v.fn.finish);
      this.open = false;
      return ok && code === 0;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Time formats
  // ---------------------------------------------------------------------------------------------------------
  const pad = (n, width) => String(n).padStart(width || 2, '0');

  function splitMs(ms) {
    const cs = Math.max(0, Math.round(ms / 10));          // centiseconds: both versions allow two decimals
    return { h: Math.floor(cs / 360000), m: Math.floor(cs / 6000) % 60, s: Math.floor(cs / 100) % 60, cs: cs % 100 };
  }
  /** 1.2 CMITimespan HHHH:MM:SS.SS (width 4 for session_time, 2 for latency). */
  function timespan12(ms, width) {
    const t = splitMs(ms);
    return pad(Math.min(t.h, 9999), width) + ':' + pad(t.m) + ':' + pad(t.s) + '.' + pad(t.cs);
  }
  /** 2004 timeinterval (ISO 8601 duration), e.g. PT1H2M3.45S. */
  function duration2004(ms) {
    const t = splitMs(ms);
    return 'PT' + t.h + 'H' + t.m + 'M' + t.s + (t.cs ? '.' + pad(t.cs) : '') + 'S';
  }
  /** 1.2 CMITime: the time of day, HH:MM:SS. */
  const time12 = (d) => pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  /** 2004 time (second,10,0): UTC with centiseconds (the zone may only follow a fraction in stricter LMSs). */
  const timestamp2004 = (d) => d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) +
    'T' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + '.' +
    pad(Math.floor(d.getUTCMilliseconds() / 10)) + 'Z';

  // ---------------------------------------------------------------------------------------------------------
  // suspend_data: a compact, versioned encoding that always fits the version's limit
  // ---------------------------------------------------------------------------------------------------------
  // L1|<module version>|<page>|<read pages as 6-bit chars>|<attempt>|<last result>|<submitted>|<answers>
  // Answers are positional (config order, "~" between questions); ids are [A-Za-z0-9_-], so "." joins ids;
  // free text escapes only the three delimiter characters and "%". Stages drop the answers first, then the
  // read pages, before the bookmark and the result would ever have to go.
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  function encodeBits(bits) {
    let out = '';
    for (let i = 0; i < bits.length; i += 6) {
      let v = 0;
      for (let j = 0; j < 6; j += 1) if (bits[i + j]) v |= 1 << j;
      out += B64[v];
    }
    return out;
  }
  function decodeBits(text, n) {
    const bits = new Array(n).fill(false);
    for (let i = 0; i < text.length; i += 1) {
      const v = B64.indexOf(text[i]);
      if (v < 0) continue;
      for (let j = 0; j < 6; j += 1) if (i * 6 + j < n) bits[i * 6 + j] = Boolean(v & (1 << j));
    }
    return bits;
  }
  const escText = (s) => s.replace(/%/g, '%25').replace(/~/g, '%7E').replace(/\|/g, '%7C');
  const unescText = (s) => s.replace(/%(25|7E|7C)/g, (m, c) => ({ 25: '%', '7E': '~', '7C': '|' })[c]);

  function encodeAnswer(q, a) {
    if (a === undefined || a === null) return '';
    switch (q.type) {
      case 'single': return a;
      case 'multiple': return a.join('.');
      case 'true-false': return a === 'true' ? 't' : a === 'false' ? 'f' : '';
      case 'fill-in': return escText(a);
      case 'matching': return sources(q).map((s) => a[s] || '').join('.');
      default: return '';
    }
  }
  function decodeAnswer(q, text) {
    switch (q.type) {
      case 'single': return text;
      case 'multiple': return text ? text.split('.') : [];
      case 'true-false': return text === 't' ? 'true' : text === 'f' ? 'false' : '';
      case 'fill-in': return unescText(text);
      case 'matching': {
        const targets = text.split('.');
        const out = {};
        sources(q).forEach((s, i) => { if (targets[i]) out[s] = targets[i]; });
        return out;
      }
      default: return '';
    }
  }

  function encodeState(st, questions, moduleVersion, stage) {
    const result = st.result ? (st.result.passed ? 'p' : 'f') + st.result.score : '';
    const read = stage < 2 ? encodeBits(st.read) : '';
    const answers = stage < 1 ? questions.map((q) => encodeAnswer(q, st.answers[q.id])).join('~') : '';
    return ['L1', escText(moduleVersion), st.page, read, st.attempt, result, st.submitted ? 1 : '', answers].join('|');
  }

  function decodeState(text, questions, moduleVersion, pageCount) {
    const parts = String(text || '').split('|');
    if (parts[0] !== 'L1' || parts.length < 8) return null;
    const sameVersion = unescText(parts[1]) === moduleVersion;
    const st = newState(pageCount);
    st.page = Math.min(Math.max(parseInt(parts[2], 10) || 0, 0), pageCount - 1);
    st.read = decodeBits(parts[3], pageCount);
    st.attempt = Math.max(parseInt(parts[4], 10) || 1, 1);
    const m = /^([pf])(\d{1,3})$/.exec(parts[5]);
    if (m) st.result = { passed: m[1] === 'p', score: parseInt(m[2], 10) };
    st.submitted = Boolean(parts[6]) && Boolean(st.result);
    // Answers are positional, so they only survive a launch of the same module version.
    const answers = parts.slice(7).join('|');
    if (sameVersion && answers) {
      const items = answers.split('~');
      if (items.length === questions.length) {
        questions.forEach((q, i) => { if (items[i]) st.answers[q.id] = decodeAnswer(q, items[i]); });
        st.answersKept = true;
      }
    }
    return st;
  }

  function newState(pageCount) {
    return { page: 0, read: new Array(pageCount).fill(false), attempt: 1, result: null, submitted: false,
             answers: {}, answersKept: false };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Quiz helpers
  // ---------------------------------------------------------------------------------------------------------
  const sources = (q) => (q.correct || []).map((pair) => pair[0]);
  const normalise = (s) => String(s || '').normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();

  function acceptedAnswers(q, lang) {
    const c = q.correct;
    if (Array.isArray(c)) return c.map(String);
    if (c && typeof c === 'object') return (c[lang] || c[Object.keys(c)[0]] || []).map(String);
    return [];
  }

  function isAnswered(q, a) {
    if (a === undefined || a === null) return false;
    if (q.type === 'multiple') return a.length > 0;
    if (q.type === 'matching') return Object.keys(a).length > 0;
    return String(a).trim() !== '';
  }

  function isCorrect(q, a, lang) {
    if (!isAnswered(q, a)) return false;
    switch (q.type) {
      case 'single': return (q.correct || []).length === 1 && a === q.correct[0];
      case 'multiple': {
        const want = (q.correct || []).slice().sort();
        const got = a.slice().sort();
        return want.length === got.length && want.every((v, i) => v === got[i]);
      }
      case 'true-false': return a === String(q.correct);
      case 'fill-in': return acceptedAnswers(q, lang).some((x) => normalise(x) === normalise(a));
      case 'matching': return (q.correct || []).every((pair) => a[pair[0]] === pair[1]) &&
                              Object.keys(a).length === (q.correct || []).length;
      default: return false;
    }
  }

  /** The interaction's type, learner response and correct-response patterns in the version's format. */
  function interactionData(q, a, lang, version) {
    const v12 = version === '1.2';
    const list = v12 ? ',' : '[,]';
    const pairSep = v12 ? '.' : '[.]';
    // Free text must not contain the 2004 delimiters or start a {…} delimiter; 1.2 strings stop at 255.
    const text = (s) => {
      let t = String(s || '').trim().replace(/\s+/g, ' ');
      if (!v12) t = t.replace(/\[[,.]\]/g, ' ').replace(/^\{/, '(');
      return t.slice(0, 250);
    };
    switch (q.type) {
      case 'single':
      case 'multiple':
        return { type: 'choice', response: isAnswered(q, a) ? [].concat(a).join(list) : '',
                 patterns: [(q.correct || []).join(list)] };
      case 'true-false': {
        const tf = (x) => (v12 ? (x === 'true' ? 't' : 'f') : x);
        return { type: 'true-false', response: isAnswered(q, a) ? tf(a) : '', patterns: [tf(String(q.correct))] };
      }
      case 'fill-in':
        // Several accepted answers are several correct-response patterns (2004 allows at least 5).
        return { type: 'fill-in', response: text(a),
                 patterns: acceptedAnswers(q, lang).slice(0, 5).map((x) => (v12 ? '' : '{case_matters=false}') + text(x)) };
      case 'matching':
        return { type: 'matching',
                 response: isAnswered(q, a) ? Object.keys(a).map((s) => s + pairSep + a[s]).join(list) : '',
                 patterns: [(q.correct || []).map((p) => p[0] + pairSep + p[1]).join(list)] };
      default:
        return { type: 'other', response: '', patterns: [] };
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The SCO
  // ---------------------------------------------------------------------------------------------------------
  function fill(template, values) {
    return String(template || '').replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  }

  function chooseLanguage(config, preference) {
    const langs = Object.keys(config.languages || {});
    const pref = String(preference || '').trim().toLowerCase();
    if (pref) {
      const exact = langs.find((l) => l.toLowerCase() === pref);
      if (exact) return exact;
      const primary = langs.find((l) => l.toLowerCase() === pref.split(/[-_]/)[0]);
      if (primary) return primary;
    }
    return config.languages[config.default_lang] ? config.default_lang : langs[0];
  }

  /** The better of two results ({passed, score|null}): a pass beats a fail, then the higher score wins. */
  function better(a, b) {
    if (!a || !b) return a || b || null;
    if (a.passed !== b.passed) return a.passed ? a : b;
    return (b.score === null ? -1 : b.score) > (a.score === null ? -1 : a.score) ? b : a;
  }

  /** What the LMS holds for this attempt: its result (status and score), whether it is completed, and whether
   *  it is finished (1.2 passed/failed/completed; 2004 completed, or passed/failed). */
  function heldResult(lms, version) {
    const v12 = version === '1.2';
    const status = v12 ? lms.get('cmi.core.lesson_status') : lms.get('cmi.success_status');
    const completion = v12 ? '' : lms.get('cmi.completion_status');
    const raw = lms.get(v12 ? 'cmi.core.score.raw' : 'cmi.score.raw');
    const score = /^\d+(\.\d+)?$/.test(raw) ? Math.round(parseFloat(raw)) : null;
    const decided = status === 'passed' || status === 'failed';
    return {
      result: decided ? { passed: status === 'passed', score } : null,
      completed: v12 ? decided || status === 'completed' : completion === 'completed',
      final: decided || (v12 ? status === 'completed' : completion === 'completed'),
    };
  }

  function start() {
    const configEl = document.getElementById('lmsbridge-config');
    if (!configEl) return;
    let config;
    try { config = JSON.parse(configEl.textContent); } catch (e) { return; }
    const version = config.scorm === '2004' ? '2004' : '1.2';
    const v = VERSIONS[version];
    const questions = (config.quiz && config.quiz.questions) || [];
    const mastery = Number(config.mastery_score) || 0;
    const startedAt = Date.now();
    const statusEl = document.getElementById('lms-status');

    const lms = new Lms(version);
    const connected = lms.initialize();
    // Tests and support staff read this; it holds no learner data beyond what the LMS already has.
    window.lmsbridge = { lms, version, connected };

    // Language: the learner's preference where the package carries it, else the package default.
    const lang = chooseLanguage(config, connected ? lms.get(v.el.lang) : '');
    const langConf = config.languages[lang];
    const strings = langConf.strings || {};
    const versions = Array.prototype.slice.call(document.querySelectorAll('.language-version'));
    const root = versions.find((el) => el.getAttribute('data-lang') === lang) || versions[0];
    if (!root) return;
    versions.forEach((el) => { el.hidden = el !== root; });
    document.documentElement.lang = lang;
    if (langConf.title) document.title = langConf.title;

    const pages = langConf.pages.map((id) => document.getElementById(id)).filter(Boolean);
    const total = pages.length;
    if (!total) return;
    const quizIndex = total - 1;
    const $ = (sel) => root.querySelector(sel);
    const prevBtn = $('.pager .prev');
    const nextBtn = $('.pager .next');
    const finishBtn = $('.pager .finish');
    const indicator = $('.pager .page-indicator');
    const progress = $('progress.module-progress');
    const form = $('form.quiz');
    const resultEl = $('.quiz-result');
    const retryBtn = $('.quiz-retry');
    const hasQuiz = Boolean(form) && questions.length > 0;

    function say(text) { if (statusEl) statusEl.textContent = text || ''; }

    // ----- state: fresh, or resumed from the LMS -----
    const mode = connected ? lms.get(v.el.mode) : '';
    const tracking = connected && mode !== 'review' && mode !== 'browse';
    const entry = connected ? lms.get(v.el.entry) : '';
    let state = null;
    if (connected && entry === 'resume') {
      state = decodeState(lms.get(v.el.suspend), questions, String(config.version || ''), total);
      const bookmark = parseInt(lms.get(v.el.location), 10);
      if (state && bookmark >= 1 && bookmark <= total) state.page = bookmark - 1;
      if (!state && bookmark >= 1 && bookmark <= total) { state = newState(total); state.page = bookmark - 1; }
    }
    const resumed = Boolean(state);
    state = state || newState(total);
    // What the LMS already holds for this attempt. A fresh launch over an attempt it holds as finished
    // (reviewing after a pass) must not pull its status back to "incomplete": statuses are only written again
    // after a new quiz submission. And within one attempt the learner's best result is kept: a retake after a
    // pass never turns "passed" into "failed" nor lowers the score (see better()).
    const held = connected ? heldResult(lms, version) : { result: null, completed: false, final: false };
    const priorFinal = !resumed && held.final;
    let completedBefore = held.completed;    // completion never goes back within an attempt
    let best = better(held.result, state.result);

    let minStage = 0;            // raised when the LMS refuses an encoding that is within the standard's limit
    let interactionsOn = true;   // false once the LMS says it keeps no interactions
    let quizShownAt = Date.now();
    const answeredAt = {};

    const readCount = () => state.read.filter(Boolean).length;
    const allRead = () => readCount() === total;
    const done = () => allRead() && (Boolean(state.result) || !hasQuiz);

    // ----- writing to the LMS -----
    function writeSuspend() {
      for (let stage = minStage; stage <= 2; stage += 1) {
        const data = encodeState(state, questions, String(config.version || ''), stage);
        if (data.length > v.suspendLimit) continue;
        const code = lms.set(v.el.suspend, data);
        if (code === 0) return true;
        if (!lms.open || lms.isUnsupported(code)) return false;
        // A refused value (an LMS with a smaller limit, a type mismatch): from now on, the smaller encoding.
        minStage = Math.min(stage + 1, 2);
      }
      return false;
    }

    function writeStatus() {
      if (priorFinal && !state.result) return;
      // The best result of the attempt, not the last: both standards let the SCO decide what it reports.
      const success = best ? (best.passed ? 'passed' : 'failed') : '';
      if (version === '1.2') {
        lms.set('cmi.core.lesson_status', success ||
                ((!hasQuiz && allRead()) || completedBefore ? 'completed' : 'incomplete'));
      } else {
        if (done()) completedBefore = true;
        lms.set('cmi.completion_status', completedBefore ? 'completed' : 'incomplete');
        lms.set('cmi.success_status', success || 'unknown');
        const measure = completedBefore ? 1 : Math.round(readCount() / total * 10000) / 10000;
        lms.set('cmi.progress_measure', String(measure));
      }
    }

    function writeScore() {
      if (!best || best.score === null) return;
      if (version === '2004') lms.set('cmi.score.scaled', String(best.score / 100));
      lms.set(v.el.score + '.raw', String(best.score));
      lms.set(v.el.score + '.min', '0');
      lms.set(v.el.score + '.max', '100');
    }

    function writeProgress() {
      if (!tracking || !lms.open) return;
      lms.set(v.el.location, String(state.page + 1));
      writeSuspend();
      writeStatus();
      lms.set(v.el.exit, done() ? v.exitDone : 'suspend');
      const elapsed = Date.now() - startedAt;
      lms.set(v.el.session, version === '1.2' ? timespan12(elapsed, 4) : duration2004(elapsed));
    }

    function commit(announce) {
      if (!tracking || !lms.open) return true;
      writeProgress();
      const ok = lms.commit();
      if (!ok) say(strings.error);
      else if (announce) say(strings.saved);
      else if (statusEl && statusEl.textContent === strings.error) say('');   // saved again: the warning is over
      return ok;
    }

    function writeInteractions() {
      if (!tracking || !lms.open || !interactionsOn) return;
      const now = new Date();
      let n = parseInt(lms.get(v.el.count), 10);
      if (!(n >= 0)) n = 0;
      for (const q of questions) {
        const a = state.answers[q.id];
        const data = interactionData(q, a, lang, version);
        const base = 'cmi.interactions.' + n + '.';
        const code = lms.set(base + 'id', q.id);
        if (code !== 0) {
          if (lms.isUnsupported(code) || !lms.open) interactionsOn = false;
          return;
        }
        lms.set(base + 'type', data.type);
        const latency = Math.max(0, (answeredAt[q.id] || now.getTime()) - quizShownAt);
        if (version === '1.2') {
          lms.set(base + 'time', time12(now));
          lms.set(base + 'weighting', String(q.points || 1));
          data.patterns.forEach((p, i) => lms.set(base + 'correct_responses.' + i + '.pattern', p));
          if (data.response) lms.set(base + 'student_response', data.response);
          lms.set(base + 'result', isCorrect(q, a, lang) ? 'correct' : 'wrong');
          lms.set(base + 'latency', timespan12(latency, 2));
        } else {
          // 2004: when the question was first put to the learner; latency then runs to the answer.
          lms.set(base + 'timestamp', timestamp2004(new Date(Math.min(quizShownAt, now.getTime()))));
          lms.set(base + 'weighting', String(q.points || 1));
          data.patterns.forEach((p, i) => lms.set(base + 'correct_responses.' + i + '.pattern', p));
          if (data.response) lms.set(base + 'learner_response', data.response);
          lms.set(base + 'result', isCorrect(q, a, lang) ? 'correct' : 'incorrect');
          lms.set(base + 'latency', duration2004(latency));
        }
        n += 1;
      }
    }

    // ----- pages -----
    function heading(page) {
      const h = page.querySelector('h2') || page;
      if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
      return h;
    }

    function render() {
      pages.forEach((p, i) => { p.hidden = i !== state.page; });
      const last = state.page === quizIndex;
      if (prevBtn) prevBtn.disabled = state.page === 0;
      if (nextBtn) nextBtn.hidden = last;
      if (finishBtn) finishBtn.hidden = !(last && (state.submitted || !hasQuiz));
      if (indicator) indicator.textContent = fill(strings.page_of || '{n} / {total}', { n: state.page + 1, total });
      if (progress) { progress.max = total; progress.value = readCount(); }
    }

    function go(index, focus) {
      state.page = Math.min(Math.max(index, 0), total - 1);
      // A content page counts as read when shown; the quiz page once the quiz is submitted.
      if (state.page !== quizIndex || !hasQuiz) state.read[state.page] = true;
      if (state.page === quizIndex && !state.submitted) quizShownAt = Date.now();
      render();
      if (focus) {
        window.scrollTo(0, 0);
        heading(pages[state.page]).focus({ preventScroll: true });
      }
      commit(false);
    }

    // ----- quiz -----
    const fieldset = (q) => form && form.querySelector('fieldset.question[data-question="' + q.id + '"]');

    function readAnswer(q) {
      const fs = fieldset(q);
      if (!fs) return undefined;
      switch (q.type) {
        case 'single':
        case 'true-false': {
          const el = fs.querySelector('input:checked');
          return el ? el.value : '';
        }
        case 'multiple':
          return Array.prototype.map.call(fs.querySelectorAll('input:checked'), (el) => el.value);
        case 'fill-in': {
          const el = fs.querySelector('input[type="text"], textarea');
          return el ? el.value : '';
        }
        case 'matching': {
          const out = {};
          fs.querySelectorAll('select[data-source]').forEach((el) => { if (el.value) out[el.getAttribute('data-source')] = el.value; });
          return out;
        }
        default: return undefined;
      }
    }

    function writeAnswer(q, a) {
      const fs = fieldset(q);
      if (!fs) return;
      switch (q.type) {
        case 'single':
        case 'true-false':
        case 'multiple': {
          const chosen = [].concat(a || []);
          fs.querySelectorAll('input').forEach((el) => { el.checked = chosen.indexOf(el.value) >= 0; });
          break;
        }
        case 'fill-in': {
          const el = fs.querySelector('input[type="text"], textarea');
          if (el) el.value = a || '';
          break;
        }
        case 'matching':
          fs.querySelectorAll('select[data-source]').forEach((el) => { el.value = (a || {})[el.getAttribute('data-source')] || ''; });
          break;
        default: break;
      }
    }

    /** Marks each answer (unless the answers were not kept: suspend_data had no room) and shows the result. */
    function showResults(withAnswers) {
      questions.forEach((q) => {
        const fs = fieldset(q);
        if (!fs) return;
        fs.disabled = true;
        if (!withAnswers) return;
        const ok = isCorrect(q, state.answers[q.id], lang);
        fs.classList.toggle('correct', ok);
        fs.classList.toggle('incorrect', !ok);
        const fb = fs.querySelector('.feedback');
        if (fb) fb.textContent = ok ? strings.correct || '' : strings.incorrect || '';
        const ex = fs.querySelector('.explanation');
        if (ex) ex.hidden = false;
      });
      const submit = form.querySelector('.quiz-submit');
      if (submit) submit.disabled = true;
      const r = state.result;
      if (resultEl && r) {
        resultEl.textContent = fill(strings.score, { score: r.score }) + ' ' + (r.passed ? strings.passed : strings.failed);
      }
      if (retryBtn) retryBtn.hidden = !(r && !r.passed);
    }

    function clearResults() {
      questions.forEach((q) => {
        const fs = fieldset(q);
        if (!fs) return;
        fs.classList.remove('correct', 'incorrect');
        const fb = fs.querySelector('.feedback');
        if (fb) fb.textContent = '';
        const ex = fs.querySelector('.explanation');
        if (ex) ex.hidden = true;
        fs.disabled = false;
      });
      const submit = form.querySelector('.quiz-submit');
      if (submit) submit.disabled = false;
      if (resultEl) resultEl.textContent = '';
      if (retryBtn) retryBtn.hidden = true;
    }

    function score() {
      let all = 0;
      let earned = 0;
      questions.forEach((q) => {
        const points = Number(q.points) || 1;
        all += points;
        if (isCorrect(q, state.answers[q.id], lang)) earned += points;
      });
      return all ? Math.round(earned / all * 100) : 0;
    }

    function onSubmit(event) {
      event.preventDefault();
      if (state.submitted) return;
      questions.forEach((q) => { state.answers[q.id] = readAnswer(q); });
      const s = score();
      state.result = { score: s, passed: s >= mastery };
      best = better(best, state.result);
      state.submitted = true;
      state.read[quizIndex] = true;
      showResults(true);
      render();
      if (tracking && lms.open) {
        writeInteractions();   // every submission's answers, the retake's too
        writeScore();
      }
      commit(true);
      if (resultEl) {
        resultEl.setAttribute('tabindex', '-1');
        resultEl.focus();
      }
    }

    function onRetry() {
      state.attempt += 1;
      state.submitted = false;
      state.answers = {};
      Object.keys(answeredAt).forEach((k) => { delete answeredAt[k]; });
      questions.forEach((q) => writeAnswer(q, undefined));
      clearResults();
      quizShownAt = Date.now();
      render();
      commit(false);
      const first = form.querySelector('input, select, textarea');
      if (first) first.focus();
    }

    function onAnswer(event) {
      if (state.submitted) return;
      const fs = event.target.closest && event.target.closest('fieldset.question');
      const q = fs && questions.find((x) => x.id === fs.getAttribute('data-question'));
      if (!q) return;
      state.answers[q.id] = readAnswer(q);
      answeredAt[q.id] = Date.now();
      // Stored with the next commit (page change, submission, leaving): no network call per keystroke.
      if (tracking && lms.open) writeSuspend();
    }

    // ----- leaving -----
    /** Saves and finishes; true when the LMS has the data (a failed Terminate after a good commit is fine).
     *  Terminate commits by itself (both standards). On the Finish button we commit first as well, for LMSs
     *  whose final commit cannot carry much; not while the page goes away, where browsers refuse the
     *  synchronous request most LMSs commit with and only Terminate's own (beacon) commit gets through. */
    function finishSession(leaving) {
      if (!connected || lms.finished) return true;
      if (tracking && lms.open) writeProgress();
      const committed = !leaving && lms.open && lms.commit();
      const finished = lms.finish();
      return committed || finished;
    }
    const leave = () => finishSession(true);

    function onFinish() {
      say(finishSession(false) ? strings.finished : strings.error);
      if (finishBtn) finishBtn.disabled = true;
    }

    // ----- wire up -----
    if (prevBtn) prevBtn.addEventListener('click', () => go(state.page - 1, true));
    if (nextBtn) nextBtn.addEventListener('click', () => go(state.page + 1, true));
    if (finishBtn) finishBtn.addEventListener('click', onFinish);
    if (form) {
      form.addEventListener('submit', onSubmit);
      form.addEventListener('change', onAnswer);
      form.addEventListener('input', onAnswer);
    }
    if (retryBtn) retryBtn.addEventListener('click', onRetry);
    // Moodle's player never finishes for the SCO: the SCO does it when its page goes away, whichever of these
    // events the browser fires first (pagehide is the one mobile browsers and bfcache honour).
    window.addEventListener('beforeunload', leave);
    window.addEventListener('pagehide', leave);
    window.addEventListener('unload', leave);
    // A hidden tab may never come back (mobile browsers kill it): save, without finishing.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden' && lms.open) commit(false);
    });

    // Restore answers and results, then show the bookmarked page.
    if (hasQuiz) {
      questions.forEach((q) => { if (state.answers[q.id] !== undefined) writeAnswer(q, state.answers[q.id]); });
      if (state.submitted) showResults(state.answersKept);
    }
    // No LMS at all: say so. An LMS that refused to start the session: progress cannot be saved either.
    if (!connected) say(lms.api ? strings.error : strings.no_lms);
    else if (resumed) say(strings.resume);
    go(state.page, false);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
