// truc console: the board of who has not received, a document's page,
// the directory and the accounts. Plain JavaScript, no build step; every
// change goes through the hub's JSON API with the session's CSRF token.
'use strict';

const TEXT = {
  vi: {
    'brand': 'Trục liên thông văn bản',
    'nav.board': 'Bảng theo dõi', 'nav.agencies': 'Đơn vị',
    'nav.accounts': 'Tài khoản', 'logout': 'Đăng xuất', 'nav.service': 'Chất lượng phục vụ',
    'service.title': 'Chất lượng phục vụ của từng đơn vị', 'service.month': 'Tháng',
    'service.docs': 'Văn bản', 'service.arrived': 'Đã đến', 'service.read': 'Đã đọc',
    'service.never': 'Chưa từng nhận', 'service.summary': '{n} văn bản gửi từ {from} đến {to}',
    'service.byPaper': '+{n} bản giấy',
    'live.on': '● Trực tuyến', 'live.off': '○ Mất kết nối',
    'login.title': 'Đăng nhập', 'login.name': 'Tên đăng nhập',
    'login.password': 'Mật khẩu', 'login.submit': 'Đăng nhập',
    'password.title': 'Đổi mật khẩu', 'password.must': 'Mật khẩu này do hệ thống cấp: hãy đổi trước khi làm việc.',
    'password.current': 'Mật khẩu hiện tại', 'password.next': 'Mật khẩu mới (ít nhất 12 ký tự)',
    'password.submit': 'Đổi mật khẩu', 'password.done': 'Đã đổi mật khẩu.',
    'board.title': 'Văn bản đã gửi', 'board.days': 'Trong', 'board.daysUnit': 'ngày qua',
    'board.outstanding': 'Chưa nhận đủ', 'board.all': 'Tất cả',
    'board.empty': 'Không có văn bản nào trong khoảng này.',
    'board.silent': 'Đơn vị mất liên lạc', 'board.alerts': 'Cảnh báo',
    'alert.raised': 'từ {t}', 'board.truncated': 'Danh sách bị cắt: chỉ hiện 1000 văn bản.',
    'col.urgency': 'Độ khẩn', 'col.subject': 'Trích yếu', 'col.sender': 'Nơi gửi',
    'col.sent': 'Gửi lúc', 'col.received': 'Đã nhận', 'col.missing': 'Chưa nhận',
    'received': 'đã nhận {n}/{m}', 'paper': 'bản giấy {n}', 'ago': '{t} trước',
    'doc.back': '← Bảng theo dõi', 'doc.recipient': 'Đơn vị nhận', 'doc.state': 'Trạng thái',
    'doc.queued': 'Xếp hàng', 'doc.arrived': 'Đã đến (01)', 'doc.read': 'Đã đọc (03)',
    'doc.agent': 'Máy trạm', 'doc.history': 'Diễn biến', 'doc.evidence': 'Chứng cứ',
    'doc.number': 'Số, ký hiệu', 'doc.type': 'Loại văn bản', 'doc.signer': 'Người ký',
    'doc.attachments': 'Tệp đính kèm', 'doc.digest': 'Mã băm tiêu đề (SHA-256)',
    'doc.signedBySender': 'Nơi gửi đã ký số', 'doc.receipt': 'Trục đã ký biên nhận',
    'doc.statement': 'đã ký', 'doc.resend': 'Gửi lại cho đơn vị chưa nhận',
    'doc.resent': 'Đã gửi lại cho {n} đơn vị.', 'doc.paper': 'Ghi nhận bản giấy',
    'doc.resends': 'gửi lại {n} lần',
    'paper.title': 'Ghi nhận bản giấy đã chuyển đến', 'paper.carried_by': 'Người mang',
    'paper.signed_by': 'Người ký nhận', 'paper.carried_at': 'Thời điểm (dd/MM/yyyy HH:mm, để trống: bây giờ)',
    'paper.note': 'Ghi chú', 'paper.submit': 'Ghi nhận', 'paper.cancel': 'Hủy',
    'paper.by': 'Bản giấy: {carrier} mang đến {at}, {signer} ký nhận (ghi bởi {who})',
    'agent.never': 'chưa từng kết nối', 'agent.last': 'kết nối {t} trước', 'agent.silent': 'MẤT LIÊN LẠC',
    'bridge.waiting': 'ngoài trục tỉnh, qua cầu nối {bridge}: chờ cầu nối nhận',
    'bridge.forwarded': 'ngoài trục tỉnh: cầu nối {bridge} đã chuyển đi lúc {at}, chờ nơi nhận báo đến',
    'bridge.at.agent': 'đang chờ tại {hub}: máy trạm của đơn vị chưa nhận',
    'bridge.at.bridge': 'đang chờ tại {hub}: chờ cầu nối {bridge}',
    'bridge.at.beyond': 'đã qua {hub}, theo cầu nối {bridge}',
    'agencies.title': 'Danh bạ đơn vị', 'agencies.code': 'Mã', 'agencies.name': 'Tên đơn vị',
    'agencies.parent': 'Đơn vị cấp trên', 'agencies.state': 'Tình trạng', 'agencies.agent': 'Máy trạm',
    'agencies.waiting': 'Văn bản chờ', 'agencies.suspend': 'Tạm ngừng', 'agencies.resume': 'Cho hoạt động lại',
    'agencies.add': 'Thêm đơn vị', 'agencies.active': 'Hoạt động', 'agencies.suspended': 'Tạm ngừng',
    'accounts.title': 'Tài khoản bảng điều khiển', 'accounts.name': 'Tên đăng nhập',
    'accounts.person': 'Họ tên', 'accounts.role': 'Vai trò', 'accounts.agency': 'Đơn vị',
    'accounts.state': 'Tình trạng', 'accounts.last': 'Đăng nhập gần nhất',
    'accounts.add': 'Thêm tài khoản', 'accounts.operator': 'Điều hành', 'accounts.clerk': 'Văn thư',
    'accounts.disable': 'Khóa', 'accounts.enable': 'Mở khóa', 'accounts.reset': 'Cấp lại mật khẩu',
    'accounts.disabled': 'Đã khóa', 'accounts.active': 'Đang dùng', 'accounts.mustChange': 'phải đổi mật khẩu',
    'accounts.password': 'Mật khẩu cho {name}, chỉ hiện một lần: {password}',
    'state.1': 'Đang chờ', 'state.2': 'Đang tải', 'state.3': 'Đã đến', 'state.4': 'Đã đọc',
    'state.5': 'Đã phân công', 'state.6': 'Đang xử lý', 'state.7': 'Hoàn thành', 'state.8': 'Từ chối',
    'state.9': 'Bản giấy', 'state.10': 'Từ chối khi nhận', 'state.11': 'Đã chuyển qua cầu nối',
    'refused.arrival': 'máy trạm từ chối khi nhận (chưa nhận được): {reason}',
    'refused.unit': 'đơn vị từ chối: {reason}', 'refused.count': 'từ chối {n}',
    'board.refused': 'Có đơn vị từ chối', 'board.show': 'Hiện',
    'status.1': '01 Đã đến', 'status.2': '02 Từ chối', 'status.3': '03 Đã đọc', 'status.4': '04 Phân công',
    'status.5': '05 Đang xử lý', 'status.6': '06 Hoàn thành',
    'urgency.1': 'Thường', 'urgency.2': 'Khẩn', 'urgency.3': 'Thượng khẩn', 'urgency.4': 'Hỏa tốc',
    'urgency.5': 'Hỏa tốc hẹn giờ',
    'error': 'Lỗi', 'never': 'chưa bao giờ',
  },
  en: {
    'brand': 'Document exchange axis',
    'nav.board': 'Board', 'nav.agencies': 'Agencies', 'nav.accounts': 'Accounts', 'logout': 'Log out',
    'nav.service': 'Service', 'service.title': 'Each unit\'s service', 'service.month': 'Month',
    'service.docs': 'Documents', 'service.arrived': 'Arrived', 'service.read': 'Read',
    'service.never': 'Never received', 'service.summary': '{n} documents sent from {from} to {to}',
    'service.byPaper': '+{n} by paper',
    'live.on': '● Live', 'live.off': '○ Disconnected',
    'login.title': 'Log in', 'login.name': 'Account name', 'login.password': 'Password',
    'login.submit': 'Log in',
    'password.title': 'Change password', 'password.must': 'This password was drawn by the hub: change it before you work.',
    'password.current': 'Current password', 'password.next': 'New password (12 characters or more)',
    'password.submit': 'Change password', 'password.done': 'Password changed.',
    'board.title': 'Documents sent', 'board.days': 'In the last', 'board.daysUnit': 'days',
    'board.outstanding': 'Not yet received by all', 'board.all': 'All',
    'board.empty': 'No document in this window.',
    'board.silent': 'Silent agencies', 'board.alerts': 'Alerts',
    'alert.raised': 'since {t}', 'board.truncated': 'The list is cut: 1000 documents shown.',
    'col.urgency': 'Urgency', 'col.subject': 'Subject', 'col.sender': 'From',
    'col.sent': 'Sent', 'col.received': 'Received', 'col.missing': 'Not yet received',
    'received': '{n} of {m} received', 'paper': '{n} by paper', 'ago': '{t} ago',
    'doc.back': '← Board', 'doc.recipient': 'Recipient', 'doc.state': 'State',
    'doc.queued': 'Queued', 'doc.arrived': 'Arrived (01)', 'doc.read': 'Read (03)',
    'doc.agent': 'Agent', 'doc.history': 'History', 'doc.evidence': 'Evidence',
    'doc.number': 'Number', 'doc.type': 'Type', 'doc.signer': 'Signer',
    'doc.attachments': 'Attachments', 'doc.digest': 'Header digest (SHA-256)',
    'doc.signedBySender': 'Signed by the sender', 'doc.receipt': 'Acceptance receipt signed by the hub',
    'doc.statement': 'signed', 'doc.resend': 'Resend to the units that lack it',
    'doc.resent': 'Offered again to {n} units.', 'doc.paper': 'Record a paper copy',
    'doc.resends': 'resent {n} times',
    'paper.title': 'Record a paper copy carried to', 'paper.carried_by': 'Carried by',
    'paper.signed_by': 'Signed for by', 'paper.carried_at': 'When (dd/MM/yyyy HH:mm; empty: now)',
    'paper.note': 'Note', 'paper.submit': 'Record', 'paper.cancel': 'Cancel',
    'paper.by': 'Paper copy: carried by {carrier} at {at}, signed for by {signer} (recorded by {who})',
    'agent.never': 'never polled', 'agent.last': 'last polled {t} ago', 'agent.silent': 'SILENT',
    'bridge.waiting': 'beyond this hub, via bridge {bridge}: waiting for the bridge',
    'bridge.forwarded': 'beyond this hub: bridge {bridge} forwarded it at {at}; waiting for its arrival',
    'bridge.at.agent': 'waits at {hub} for the unit\'s agent',
    'bridge.at.bridge': 'waits at {hub} for bridge {bridge}',
    'bridge.at.beyond': 'beyond {hub}, via bridge {bridge}',
    'agencies.title': 'Directory', 'agencies.code': 'Code', 'agencies.name': 'Name',
    'agencies.parent': 'Parent', 'agencies.state': 'State', 'agencies.agent': 'Agent',
    'agencies.waiting': 'Waiting', 'agencies.suspend': 'Suspend', 'agencies.resume': 'Resume',
    'agencies.add': 'Register an agency', 'agencies.active': 'Active', 'agencies.suspended': 'Suspended',
    'accounts.title': 'Console accounts', 'accounts.name': 'Account', 'accounts.person': 'Name',
    'accounts.role': 'Role', 'accounts.agency': 'Agency', 'accounts.state': 'State',
    'accounts.last': 'Last log-in', 'accounts.add': 'Add an account', 'accounts.operator': 'Operator',
    'accounts.clerk': 'Clerk', 'accounts.disable': 'Disable', 'accounts.enable': 'Enable',
    'accounts.reset': 'Reset password', 'accounts.disabled': 'Disabled', 'accounts.active': 'Active',
    'accounts.mustChange': 'password to change',
    'accounts.password': 'Password for {name}, shown this once: {password}',
    'state.1': 'Queued', 'state.2': 'Leased', 'state.3': 'Arrived', 'state.4': 'Read',
    'state.5': 'Assigned', 'state.6': 'Processing', 'state.7': 'Completed', 'state.8': 'Refused',
    'state.9': 'Paper copy', 'state.10': 'Refused on arrival', 'state.11': 'Forwarded beyond this hub',
    'refused.arrival': 'refused on arrival by its agent (not received): {reason}',
    'refused.unit': 'refused by the unit: {reason}', 'refused.count': '{n} refused',
    'board.refused': 'Refused by a unit', 'board.show': 'Show',
    'status.1': '01 Arrived', 'status.2': '02 Refused', 'status.3': '03 Read', 'status.4': '04 Assigned',
    'status.5': '05 Processing', 'status.6': '06 Completed',
    'urgency.1': 'Normal', 'urgency.2': 'Urgent', 'urgency.3': 'Very urgent', 'urgency.4': 'Express',
    'urgency.5': 'Express, timed',
    'error': 'Error', 'never': 'never',
  },
};

const ENUMS = {
  state: ['DELIVERY_STATE_UNSPECIFIED', 'DELIVERY_STATE_QUEUED', 'DELIVERY_STATE_LEASED',
    'DELIVERY_STATE_ARRIVED', 'DELIVERY_STATE_ACCEPTED', 'DELIVERY_STATE_ASSIGNED',
    'DELIVERY_STATE_PROCESSING', 'DELIVERY_STATE_COMPLETED', 'DELIVERY_STATE_REFUSED',
    'DELIVERY_STATE_PAPER', 'DELIVERY_STATE_REFUSED_ON_ARRIVAL', 'DELIVERY_STATE_FORWARDED'],
  urgency: ['URGENCY_UNSPECIFIED', 'URGENCY_NORMAL', 'URGENCY_URGENT', 'URGENCY_VERY_URGENT',
    'URGENCY_EXPRESS', 'URGENCY_EXPRESS_TIMED'],
  status: ['EDXML_STATUS_UNSPECIFIED', 'EDXML_STATUS_ARRIVED', 'EDXML_STATUS_REFUSED',
    'EDXML_STATUS_ACCEPTED', 'EDXML_STATUS_ASSIGNED', 'EDXML_STATUS_PROCESSING',
    'EDXML_STATUS_COMPLETED'],
};

let lang = localStorage.getItem('truc.lang') === 'en' ? 'en' : 'vi';
let session = null;
let events = null;
let refreshTimer = null;
// A paper-copy form being filled in: { doc, organ_id, values }. It outlives
// redraws, so a live update or a resend does not wipe what a clerk typed.
let paperDraft = null;
// A live update skipped while a form was open, to draw once it closes.
let refreshSkipped = false;

function t(key, args) {
  let s = TEXT[lang][key] || TEXT.vi[key] || key;
  for (const [k, v] of Object.entries(args || {})) s = s.split('{' + k + '}').join(String(v));
  return s;
}
function enumIndex(kind, value) {
  const i = ENUMS[kind].indexOf(value);
  return i < 0 ? 0 : i;
}
function label(kind, value) { return t(kind + '.' + enumIndex(kind, value)); }
// Not received, as the hub says for each recipient (common/reception.h):
// queued, being fetched, or refused on arrival by the unit's agent.
function notReceived(r) { return r.reception === 'RECEPTION_NOT_RECEIVED'; }
function refusalText(r) {
  const key = enumIndex('state', r.state) === 10 ? 'refused.arrival' : 'refused.unit';
  return t(key, { reason: r.refusal_reason || '–' });
}

// dd/MM/yyyy HH:mm in Vietnam's time, whatever the browser's zone.
const vnFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
function micros(ts) { return ts && ts.unix_micros ? Number(ts.unix_micros) : 0; }
function vnTime(ts) {
  const us = micros(ts);
  if (!us) return '–';
  const p = Object.fromEntries(vnFormat.formatToParts(new Date(us / 1000)).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}
function age(us) {
  let s = Math.max(0, Math.floor(us / 1e6));
  if (s < 60) return s + 's';
  let m = Math.floor(s / 60);
  if (m < 60) return m + 'm';
  let h = Math.floor(m / 60); m %= 60;
  if (h < 48) return h + 'h' + String(m).padStart(2, '0');
  return Math.floor(h / 24) + 'd' + String(h % 24).padStart(2, '0') + 'h';
}
function since(ts) { return micros(ts) ? t('ago', { t: age(Date.now() * 1000 - micros(ts)) }) : '–'; }

// Builds an element: el('td', {class: 'x'}, 'text', child...).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function toast(message, error) {
  const box = document.getElementById('toast');
  box.textContent = message;
  box.className = error ? 'error' : '';
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, error ? 8000 : 4000);
}

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (method === 'POST') {
    init.headers['Content-Type'] = 'application/json';
    if (session) init.headers['X-CSRF-Token'] = session.csrf_token;
    init.body = JSON.stringify(body || {});
  }
  const res = await fetch(path, init);
  let data = {};
  try { data = await res.json(); } catch (e) { data = {}; }
  if (!res.ok) {
    const err = data.error || {};
    if (res.status === 401 && path !== '/api/login') { session = null; showLogin(err.message); }
    throw new ApiError(res.status, err.code || 'UNKNOWN', err.message || `HTTP ${res.status}`);
  }
  return data;
}

function applyStaticText() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-t]').forEach((e) => { e.textContent = t(e.dataset.t); });
  document.getElementById('lang').textContent = lang === 'vi' ? 'English' : 'Tiếng Việt';
  setLive(events && events.readyState === 1);
}
function setLive(on) {
  const live = document.getElementById('live');
  live.textContent = t(on ? 'live.on' : 'live.off');
  live.className = on ? 'live on' : 'live';
}

function main(...children) {
  const m = document.getElementById('main');
  m.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return m;
}

function showLogin(message) {
  if (events) { events.close(); events = null; }
  document.getElementById('top').hidden = true;
  const name = el('input', { id: 'login-name', name: 'username', autocomplete: 'username', required: true });
  const pass = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = el('p', { class: 'error', id: 'login-error' }, message || '');
  const form = el('form', { class: 'card narrow', id: 'login', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      session = await api('POST', '/api/login', { name: name.value.trim(), password: pass.value });
      pass.value = '';
      start();
    } catch (e) { error.textContent = e.message; }
  } },
  el('h1', {}, t('login.title')),
  el('label', {}, t('login.name'), name),
  el('label', {}, t('login.password'), pass),
  el('button', { type: 'submit', id: 'login-submit' }, t('login.submit')), error);
  main(form);
  name.focus();
}

function showPassword() {
  const current = el('input', { id: 'pw-current', type: 'password', autocomplete: 'current-password', required: true });
  const next = el('input', { id: 'pw-next', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const error = el('p', { class: 'error' });
  main(el('form', { class: 'card narrow', id: 'password', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      session = await api('POST', '/api/password', { current_password: current.value, new_password: next.value });
      toast(t('password.done'));
      start();
    } catch (e) { error.textContent = e.message; }
  } },
  el('h1', {}, t('password.title')),
  session && session.must_change_password ? el('p', {}, t('password.must')) : null,
  el('label', {}, t('password.current'), current),
  el('label', {}, t('password.next'), next),
  el('button', { type: 'submit' }, t('password.submit')), error));
}

function agentCell(r) {
  // An agency beyond this hub has no agent here: its bridge takes it on.
  if (r.via_bridge) {
    // Where it waits, as the hubs beyond reported it (hop by hop).
    const l = r.location;
    if (l && l.hub) {
      const key = { WAITS_FOR_BRIDGE: 'bridge.at.bridge', WAITS_FOR_BEYOND: 'bridge.at.beyond' }[l.waits_for]
        || 'bridge.at.agent';
      let text = t(key, { hub: l.hub, bridge: l.bridge || '' });
      if (key === 'bridge.at.agent') {
        const polled = micros(r.last_poll_at);
        text += ' · ' + (polled ? t('agent.last', { t: age(Date.now() * 1000 - polled) }) : t('agent.never'));
      }
      return el('span', { class: r.silent ? 'silent' : 'muted' }, r.silent ? t('agent.silent') + ' · ' : '', text);
    }
    return el('span', { class: 'muted' }, micros(r.forwarded_at)
      ? t('bridge.forwarded', { bridge: r.via_bridge, at: vnTime(r.forwarded_at) })
      : t('bridge.waiting', { bridge: r.via_bridge }));
  }
  const last = micros(r.last_poll_at);
  const text = last ? t('agent.last', { t: age(Date.now() * 1000 - last) }) : t('agent.never');
  return el('span', { class: r.silent ? 'silent' : 'muted' }, r.silent ? t('agent.silent') + ' · ' : '', text);
}

function urgencyBadge(u) {
  const i = enumIndex('urgency', u);
  return el('span', { class: 'badge u' + i }, label('urgency', u));
}

async function showBoard() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const days = Number(params.get('days')) || 7;
  const show = ['outstanding', 'refused'].includes(params.get('show')) ? params.get('show') : 'all';
  const board = await api('GET', '/api/board?days=' + days);
  const now = micros(board.now) || Date.now() * 1000;
  const docs = (board.documents || []).filter((d) =>
    show === 'all' || (show === 'outstanding' ? (d.recipients || []).length : (d.refused || []).length));
  const rows = docs.map((d) => {
    const missing = d.recipients || [];
    const paper = d.paper || [];
    const refused = d.refused || [];
    const m = d.recipient_count || 0;
    const n = m - missing.length - paper.length;
    return el('tr', { class: missing.length ? 'outstanding' : 'done', 'data-id': d.document_id },
      el('td', { 'data-label': t('col.urgency') }, urgencyBadge(d.urgency)),
      el('td', { 'data-label': t('col.subject') }, el('a', { href: '#/doc/' + encodeURIComponent(d.document_id) }, d.subject || d.document_id)),
      el('td', { 'data-label': t('col.sender') }, d.sender_name || d.sender),
      el('td', { 'data-label': t('col.sent') }, vnTime(d.accepted_at), el('br'), el('span', { class: 'muted' }, t('ago', { t: age(now - micros(d.accepted_at)) }))),
      el('td', { 'data-label': t('col.received'), class: 'count' }, t('received', { n, m }),
        paper.length ? el('div', { class: 'muted' }, t('paper', { n: paper.length })) : null,
        refused.length ? el('div', { class: 'refused-unit', title: refused.map((r) => `${r.name || r.organ_id}: ${refusalText(r)}`).join('\n') },
          t('refused.count', { n: refused.length }) + ': ' + refused.map((r) => r.name || r.organ_id).join(', ')) : null),
      el('td', { 'data-label': t('col.missing'), class: 'missing' },
        missing.map((r) => el('div', { class: r.silent ? 'silent' : '', 'data-state': r.state },
          r.name || r.organ_id, r.silent ? ' (' + t('agent.silent') + ')' : '',
          enumIndex('state', r.state) === 10 ? el('div', { class: 'refused-arrival' }, refusalText(r)) : null))));
  });
  const silent = board.silent_agencies || [];
  const alerts = board.alerts || [];
  main(
    el('h1', {}, t('board.title')),
    alerts.length ? el('div', { class: 'card alert', id: 'alerts' }, el('strong', {}, `${t('board.alerts')} (${alerts.length})`),
      el('ul', {}, alerts.map((a) => el('li', { 'data-alert': a.id },
        a.document_id ? el('a', { href: '#/doc/' + encodeURIComponent(a.document_id) }, a.summary) : a.summary,
        el('span', { class: 'muted' }, ' · ' + t('alert.raised', { t: vnTime(a.raised_at) })))))) : null,
    el('p', { class: 'controls' }, t('board.days') + ' ',
      ...[1, 7, 30].map((d) => el('a', { href: `#/?days=${d}&show=${show}`, class: d === days ? 'current' : '' }, String(d))),
      ' ' + t('board.daysUnit') + ' · ' + t('board.show') + ' ',
      ...[['all', 'board.all'], ['outstanding', 'board.outstanding'], ['refused', 'board.refused']].map(([k, label]) =>
        el('a', { href: `#/?days=${days}&show=${k}`, class: k === show ? 'current' : '', id: 'show-' + k }, t(label)))),
    silent.length ? el('div', { class: 'card warn', id: 'silent' }, el('strong', {}, t('board.silent') + ': '),
      silent.map((a) => el('span', { class: 'silent-agency' }, `${a.name} (${a.code}) — ${micros(a.last_poll_at) ? t('agent.last', { t: age(now - micros(a.last_poll_at)) }) : t('agent.never')}`))) : null,
    board.truncated ? el('p', { class: 'muted' }, t('board.truncated')) : null,
    docs.length ? el('table', { class: 'board', id: 'board' },
      el('thead', {}, el('tr', {}, ['col.urgency', 'col.subject', 'col.sender', 'col.sent', 'col.received', 'col.missing'].map((k) => el('th', {}, t(k))))),
      el('tbody', {}, rows)) : el('p', { class: 'muted', id: 'board-empty' }, t('board.empty')));
}

function paperForm(id, r, host, restoring) {
  if (!restoring || !paperDraft) paperDraft = { doc: id, organ_id: r.organ_id, values: {} };
  const draft = paperDraft;
  const input = (name, attrs) => {
    const i = el('input', { name, ...attrs });
    i.value = draft.values[name] || '';
    i.addEventListener('input', () => { draft.values[name] = i.value; });
    return i;
  };
  const carried = input('carried_by', { required: true });
  const signer = input('signed_by', { required: true });
  const at = input('carried_at', { placeholder: 'dd/MM/yyyy HH:mm' });
  const note = input('note', {});
  const error = el('p', { class: 'error' });
  const close = () => {
    paperDraft = null;
    form.remove();
    if (refreshSkipped) refreshSoon();
  };
  const form = el('form', { class: 'card paper-form', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', `/api/documents/${encodeURIComponent(id)}/paper`, {
        recipient: r.organ_id, carried_by: carried.value, signed_by: signer.value,
        carried_at: at.value, note: note.value });
      paperDraft = null;
      render();
    } catch (e) { error.textContent = e.message; }
  } },
  el('h3', {}, t('paper.title') + ' ' + (r.name || r.organ_id)),
  el('label', {}, t('paper.carried_by'), carried), el('label', {}, t('paper.signed_by'), signer),
  el('label', {}, t('paper.carried_at'), at), el('label', {}, t('paper.note'), note),
  el('button', { type: 'submit' }, t('paper.submit')),
  el('button', { type: 'button', class: 'link', onclick: close }, t('paper.cancel')), error);
  host.replaceChildren(form);
  if (!restoring) carried.focus();
}

async function showDocument(id) {
  const page = await api('GET', '/api/documents/' + encodeURIComponent(id));
  const s = page.status || {};
  const h = page.header || {};
  const recipients = s.recipients || [];
  const lacking = recipients.filter((r) => notReceived(r) || r.reception === 'RECEPTION_PAPER_ONLY');
  const forms = el('div', { id: 'forms' });
  const rows = recipients.map((r) => {
    const st = enumIndex('state', r.state);
    const history = (r.history || []).map((e) => el('div', {}, `${label('status', e.status)} · ${vnTime(e.at)}`,
      e.description ? ` · ${e.description}` : '', e.receipt && e.receipt.signature ? el('span', { class: 'ok' }, ' ✓ ' + t('doc.statement')) : null));
    if (r.paper && r.paper.carried_by) {
      history.push(el('div', { class: 'paper' }, t('paper.by', { carrier: r.paper.carried_by, at: vnTime(r.paper.carried_at), signer: r.paper.signed_by, who: r.paper.recorded_by })));
    }
    if (r.resends) history.push(el('div', { class: 'muted' }, t('doc.resends', { n: r.resends })));
    const refusal = st === 8 || st === 10;
    return el('tr', { class: notReceived(r) ? 'outstanding' : r.reception === 'RECEPTION_PAPER_ONLY' ? 'paper' : 'done', 'data-recipient': r.organ_id },
      el('td', { 'data-label': t('doc.recipient') }, r.name || r.organ_id, el('div', { class: 'muted' }, r.organ_id)),
      el('td', { 'data-label': t('doc.state'), class: 'state' }, label('state', r.state),
        refusal ? el('div', { class: st === 10 ? 'refused-arrival' : 'refused-unit' }, refusalText(r)) : null),
      el('td', { 'data-label': t('doc.queued') }, vnTime(r.queued_at)),
      el('td', { 'data-label': t('doc.arrived') }, vnTime(r.arrived_at)),
      el('td', { 'data-label': t('doc.read') }, vnTime(r.accepted_at)),
      el('td', { 'data-label': t('doc.agent') }, agentCell(r)),
      el('td', { 'data-label': t('doc.history') }, history,
        notReceived(r) ? el('button', { type: 'button', class: 'small paper-button', onclick: () => paperForm(id, r, forms) }, t('doc.paper')) : null));
  });
  if (paperDraft && paperDraft.doc === id) {
    const r = recipients.find((x) => x.organ_id === paperDraft.organ_id);
    // The unit may have received the document since the form was opened.
    if (r && notReceived(r)) paperForm(id, r, forms, true);
    else paperDraft = null;
  }
  const number = [h.code && h.code.code_number, h.code && h.code.code_notation].filter(Boolean).join('/');
  main(
    el('p', {}, el('a', { href: '#/' }, t('doc.back'))),
    el('h1', {}, urgencyBadge(s.urgency), ' ', s.subject || id),
    el('dl', { class: 'facts' },
      el('dt', {}, t('col.sender')), el('dd', {}, s.sender_name || s.sender),
      el('dt', {}, t('col.sent')), el('dd', {}, vnTime(s.accepted_at), ' (', since(s.accepted_at), ')'),
      el('dt', {}, t('doc.number')), el('dd', {}, number || '–'),
      el('dt', {}, t('doc.type')), el('dd', {}, (h.document_type && h.document_type.type_name) || '–'),
      el('dt', {}, t('doc.signer')), el('dd', {}, (h.signer && h.signer.full_name) || '–'),
      el('dt', {}, t('col.received')), el('dd', { id: 'received' }, t('received', { n: s.received_count || 0, m: s.recipient_count || 0 }),
        s.refused_count ? ' (' + t('refused.count', { n: s.refused_count }) + ')' : '',
        s.paper_count ? ', ' + t('paper', { n: s.paper_count }) : ''),
      el('dt', {}, t('doc.attachments')), el('dd', {}, (h.attachments || []).map((a) => el('div', {}, a.name))),
      el('dt', {}, t('doc.evidence')), el('dd', {},
        el('div', {}, page.sender_signed ? '✓ ' : '✗ ', t('doc.signedBySender')),
        el('div', {}, page.accepted_receipt ? '✓ ' : '✗ ', t('doc.receipt')),
        el('div', { class: 'muted' }, t('doc.digest') + ': ', el('span', { class: 'mono' }, page.header_sha256 || '')))),
    lacking.length ? el('p', {}, el('button', { type: 'button', id: 'resend', onclick: async () => {
      try {
        const r = await api('POST', `/api/documents/${encodeURIComponent(id)}/resend`, {});
        toast(t('doc.resent', { n: (r.recipients || []).length }));
        render();
      } catch (e) { toast(e.message, true); }
    } }, t('doc.resend'))) : null,
    forms,
    el('table', { class: 'recipients', id: 'recipients' },
      el('thead', {}, el('tr', {}, ['doc.recipient', 'doc.state', 'doc.queued', 'doc.arrived', 'doc.read', 'doc.agent', 'doc.history'].map((k) => el('th', {}, t(k))))),
      el('tbody', {}, rows)));
}

async function showAgencies() {
  const table = await api('GET', '/api/agencies');
  const op = session.role === 'ACCOUNT_ROLE_OPERATOR';
  const rows = (table.agencies || []).map((row) => {
    const a = row.agency;
    const suspended = a.state === 'AGENCY_STATE_SUSPENDED';
    return el('tr', { class: a.silent ? 'outstanding' : '' },
      el('td', { 'data-label': t('agencies.code'), class: 'mono' }, a.code),
      el('td', { 'data-label': t('agencies.name') }, a.name),
      el('td', { 'data-label': t('agencies.state') }, t(suspended ? 'agencies.suspended' : 'agencies.active')),
      el('td', { 'data-label': t('agencies.agent') }, agentCell(a)),
      el('td', { 'data-label': t('agencies.waiting') }, String(row.waiting || 0), row.waiting_express ? ` (${row.waiting_express} ${label('urgency', 'URGENCY_EXPRESS')})` : ''),
      op ? el('td', {}, el('button', { type: 'button', class: 'small', onclick: async () => {
        try { await api('POST', `/api/agencies/${encodeURIComponent(a.code)}/${suspended ? 'resume' : 'suspend'}`, {}); render(); } catch (e) { toast(e.message, true); }
      } }, t(suspended ? 'agencies.resume' : 'agencies.suspend'))) : null);
  });
  let form = null;
  if (op) {
    const code = el('input', { name: 'code', placeholder: '000.07.00.H99', required: true });
    const name = el('input', { name: 'name', placeholder: 'Sở Y tế', required: true });
    const parent = el('input', { name: 'parent_code', placeholder: '000.00.00.H99' });
    form = el('form', { class: 'card inline', onsubmit: async (ev) => {
      ev.preventDefault();
      try { await api('POST', '/api/agencies', { code: code.value, name: name.value, parent_code: parent.value }); render(); } catch (e) { toast(e.message, true); }
    } }, el('strong', {}, t('agencies.add')), el('label', {}, t('agencies.code'), code),
    el('label', {}, t('agencies.name'), name), el('label', {}, t('agencies.parent'), parent),
    el('button', { type: 'submit' }, t('agencies.add')));
  }
  main(el('h1', {}, t('agencies.title')),
    el('table', { class: 'agencies', id: 'agencies' },
      el('thead', {}, el('tr', {}, ['agencies.code', 'agencies.name', 'agencies.state', 'agencies.agent', 'agencies.waiting'].map((k) => el('th', {}, t(k))), op ? el('th') : null)),
      el('tbody', {}, rows)), form);
}

async function showAccounts() {
  const list = await api('GET', '/api/accounts');
  const rows = (list.accounts || []).map((a) => el('tr', {},
    el('td', { 'data-label': t('accounts.name'), class: 'mono' }, a.name),
    el('td', { 'data-label': t('accounts.person') }, a.display_name),
    el('td', { 'data-label': t('accounts.role') }, a.role === 'ACCOUNT_ROLE_OPERATOR' ? t('accounts.operator') : t('accounts.clerk') + ' · ' + (a.agency_name || a.agency)),
    el('td', { 'data-label': t('accounts.state') }, t(a.disabled ? 'accounts.disabled' : 'accounts.active'), a.must_change_password ? ' · ' + t('accounts.mustChange') : ''),
    el('td', { 'data-label': t('accounts.last') }, micros(a.last_login) ? vnTime(a.last_login) : t('never')),
    el('td', {}, ...[a.disabled ? 'enable' : 'disable', 'reset'].map((action) => el('button', { type: 'button', class: 'small', onclick: async () => {
      try {
        const r = await api('POST', `/api/accounts/${encodeURIComponent(a.name)}/${action}`, {});
        if (r.password) toast(t('accounts.password', { name: a.name, password: r.password }));
        render();
      } catch (e) { toast(e.message, true); }
    } }, t('accounts.' + action))))));
  const name = el('input', { name: 'name', required: true });
  const person = el('input', { name: 'display_name', required: true });
  const role = el('select', { name: 'role' }, el('option', { value: 'ACCOUNT_ROLE_CLERK' }, t('accounts.clerk')), el('option', { value: 'ACCOUNT_ROLE_OPERATOR' }, t('accounts.operator')));
  const agency = el('input', { name: 'agency', placeholder: '000.07.00.H99' });
  const form = el('form', { class: 'card inline', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('POST', '/api/accounts', { name: name.value.trim(), display_name: person.value, role: role.value, agency: role.value === 'ACCOUNT_ROLE_CLERK' ? agency.value.trim() : '' });
      toast(t('accounts.password', { name: r.account.name, password: r.password }));
      render();
    } catch (e) { toast(e.message, true); }
  } }, el('strong', {}, t('accounts.add')), el('label', {}, t('accounts.name'), name), el('label', {}, t('accounts.person'), person),
  el('label', {}, t('accounts.role'), role), el('label', {}, t('accounts.agency'), agency), el('button', { type: 'submit' }, t('accounts.add')));
  main(el('h1', {}, t('accounts.title')),
    el('table', { class: 'accounts' }, el('thead', {}, el('tr', {}, ['accounts.name', 'accounts.person', 'accounts.role', 'accounts.state', 'accounts.last'].map((k) => el('th', {}, t(k))), el('th'))), el('tbody', {}, rows)),
    form);
}

async function showService() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const month = params.get('month') || '';
  const table = await api('GET', '/api/service' + (month ? '?month=' + encodeURIComponent(month) : ''));
  const picker = el('input', { type: 'month', id: 'service-month', value: table.month, onchange: () => { location.hash = '#/service?month=' + picker.value; } });
  const dur = (n, s) => (n ? age(Number(s) * 1e6) : '–');
  const rows = [];
  for (const u of table.units || []) {
    (u.by_urgency || []).forEach((s, i) => {
      const never = (u.never_received || []).length;
      rows.push(el('tr', { class: i === 0 && never ? 'outstanding' : '' },
        el('td', { 'data-label': t('doc.recipient') }, i === 0 ? (u.name || u.agency) : ''),
        el('td', { 'data-label': t('col.urgency') }, urgencyBadge(s.urgency)),
        el('td', { 'data-label': t('service.docs') }, String(s.documents || 0)),
        el('td', { 'data-label': t('service.arrived') }, `${s.arrived || 0} · p50 ${dur(s.arrived, s.p50_arrive_seconds)} · p95 ${dur(s.arrived, s.p95_arrive_seconds)}`),
        el('td', { 'data-label': t('service.read') }, `${s.read || 0} · p50 ${dur(s.read, s.p50_read_seconds)} · p95 ${dur(s.read, s.p95_read_seconds)}`),
        el('td', { 'data-label': t('service.never') }, i === 0 ? [String(never), u.paper_only ? ' ' + t('service.byPaper', { n: u.paper_only }) : '',
          ...(u.never_received || []).slice(0, 5).map((id) => el('div', {}, el('a', { href: '#/doc/' + encodeURIComponent(id) }, id)))] : '')));
    });
  }
  main(el('h1', {}, t('service.title')),
    el('p', { class: 'controls' }, el('label', { class: 'inline' }, t('service.month') + ' ', picker)),
    el('p', { class: 'muted' }, t('service.summary', { n: table.documents || 0, from: vnTime(table.from), to: vnTime(table.to) })),
    rows.length ? el('table', { class: 'service', id: 'service' },
      el('thead', {}, el('tr', {}, ['doc.recipient', 'col.urgency', 'service.docs', 'service.arrived', 'service.read', 'service.never'].map((k) => el('th', {}, t(k))))),
      el('tbody', {}, rows)) : null);
}

// Draws the page for the current hash. Draws never overlap: one asked for
// while another is fetching runs after it, so an older answer never
// overwrites a newer one.
let rendering = null;
let renderAgain = false;
async function render() {
  if (rendering) { renderAgain = true; return rendering; }
  rendering = (async () => {
    do { renderAgain = false; await renderOnce(); } while (renderAgain);
  })();
  try { await rendering; } finally { rendering = null; }
}

async function renderOnce() {
  if (!session) return showLogin();
  if (session.must_change_password) return showPassword();
  const hash = location.hash.replace(/^#/, '') || '/';
  const path = hash.split('?')[0];
  try {
    if (path.startsWith('/doc/')) await showDocument(decodeURIComponent(path.slice(5)));
    else if (path === '/agencies') await showAgencies();
    else if (path === '/service') await showService();
    else if (path === '/accounts') await showAccounts();
    else if (path === '/password') showPassword();
    else await showBoard();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    main(el('div', { class: 'card error', id: 'page-error' }, `${t('error')}: ${e.message}`));
  }
}

// Redraws the page shortly after changes arrive (a burst redraws once).
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    if (document.querySelector('form.paper-form, #main input:focus')) { refreshSkipped = true; return; }
    refreshSkipped = false;
    render();
  }, 150);
}

function listen() {
  if (events) events.close();
  events = new EventSource('/api/events');
  events.addEventListener('open', () => setLive(true));
  events.addEventListener('hello', () => setLive(true));
  events.addEventListener('change', refreshSoon);
  events.addEventListener('reload', refreshSoon);
  events.addEventListener('ended', () => { events.close(); events = null; setLive(false); checkSession(); });
  // A refused stream (the hub's boards are all taken: 503) is closed for
  // good by the browser: open a new one in 2 s, as the hub's answer says.
  events.addEventListener('error', () => {
    setLive(false);
    if (events && events.readyState === 2) { events.close(); events = null; setTimeout(checkSession, 2000); }
  });
}

async function checkSession() {
  try { session = await api('GET', '/api/session'); start(); } catch (e) { /* showLogin done by api() */ }
}

function start() {
  document.getElementById('top').hidden = false;
  document.getElementById('who').textContent = session.display_name + (session.agency_name ? ' · ' + session.agency_name : '');
  document.getElementById('nav-accounts').hidden = session.role !== 'ACCOUNT_ROLE_OPERATOR';
  applyStaticText();
  if (!session.must_change_password && !events) listen();
  render();
}

document.addEventListener('DOMContentLoaded', () => {
  applyStaticText();
  document.getElementById('lang').addEventListener('click', () => {
    lang = lang === 'vi' ? 'en' : 'vi';
    localStorage.setItem('truc.lang', lang);
    applyStaticText();
    if (session) render(); else showLogin();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/logout', {}); } catch (e) { /* already ended */ }
    session = null;
    showLogin();
  });
  window.addEventListener('hashchange', () => { paperDraft = null; render(); });
  checkSession().then(() => { if (!session) showLogin(); });
});
