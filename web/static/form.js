// Enhancements for the resident form; the form works without any of this.
// - a character counter, the "use my location" button
// - photos shrunk on the phone before upload (cheap data plans, slow networks)
// - a draft kept on the phone if the network drops, restored on the next visit
// - one tap sends once
(function () {
  'use strict';
  var form = document.getElementById('case-form');
  if (!form) return;
  var draftKey = 'liaison-draft:' + form.getAttribute('data-draft');
  var kept = ['content', 'location', 'contact_name', 'contact_phone'];
  var maxSide = 1600;

  function field(name) { return form.elements[name]; }

  // Counter
  var content = field('content');
  var counter = form.querySelector('.counter');
  function count() {
    if (counter && content) counter.textContent = content.value.length + ' / ' + counter.getAttribute('data-max') + ' · ';
  }
  if (content) { content.addEventListener('input', count); count(); }

  // Draft
  var storage = null;
  try { storage = window.localStorage; storage.setItem('liaison-probe', '1'); storage.removeItem('liaison-probe'); } catch (e) { storage = null; }
  function saveDraft() {
    if (!storage) return;
    var draft = {};
    kept.forEach(function (name) { if (field(name)) draft[name] = field(name).value; });
    try { storage.setItem(draftKey, JSON.stringify(draft)); } catch (e) { /* full or private mode */ }
  }
  function clearDraft() { if (storage) storage.removeItem(draftKey); }
  if (storage) {
    try {
      var saved = JSON.parse(storage.getItem(draftKey) || 'null');
      var empty = kept.every(function (name) { return !field(name) || !field(name).value; });
      if (saved && empty) kept.forEach(function (name) { if (field(name) && saved[name]) field(name).value = saved[name]; });
      count();
    } catch (e) { clearDraft(); }
    form.addEventListener('input', saveDraft);
  }

  // Location
  var locate = form.querySelector('.locate');
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener('click', function () {
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        field('latitude').value = pos.coords.latitude.toFixed(6);
        field('longitude').value = pos.coords.longitude.toFixed(6);
        if (!field('location').value) field('location').value = '📍 ' + pos.coords.latitude.toFixed(5) + ', ' + pos.coords.longitude.toFixed(5);
        locate.disabled = false;
      }, function () { locate.disabled = false; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  // Photos: shrink to at most maxSide pixels, JPEG. Falls back to the original file.
  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.URL || !document.createElement('canvas').toBlob) return resolve(file);
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        URL.revokeObjectURL(url);
        var scale = Math.min(1, maxSide / Math.max(img.naturalWidth, img.naturalHeight));
        if (scale === 1 && file.size < 1500000) return resolve(file);
        var canvas = document.createElement('canvas');
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, 'image/jpeg', 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  var button = form.querySelector('button[type=submit]');
  var net = form.querySelector('.net');
  var sending = false;
  form.addEventListener('submit', function (event) {
    if (sending) { event.preventDefault(); return; }
    if (!window.fetch || !window.FormData || !window.Promise || !FormData.prototype.delete) { sending = true; button.disabled = true; return; }
    event.preventDefault();
    sending = true;
    button.disabled = true;
    var label = button.textContent;
    button.textContent = button.getAttribute('data-sending') || '…';
    var data = new FormData(form);
    var input = field('photos');
    var files = input && input.files ? Array.prototype.slice.call(input.files, 0, 4) : [];
    data.delete('photos');
    Promise.all(files.map(shrink)).then(function (blobs) {
      blobs.forEach(function (blob, i) { data.append('photos', blob, (files[i].name || 'photo').replace(/\.\w+$/, '') + '.jpg'); });
      return fetch(form.action, { method: 'POST', body: data, credentials: 'same-origin' });
    }).then(function (response) {
      if (response.redirected && /\/t\//.test(response.url)) {
        clearDraft();
        window.location.replace(response.url);
        return;
      }
      return response.text().then(function (html) {
        // The server shows the form again with its messages: show it as it is.
        document.open(); document.write(html); document.close();
      });
    }).catch(function () {
      saveDraft();
      sending = false;
      button.disabled = false;
      button.textContent = label;
      if (net) { net.hidden = false; net.textContent = net.getAttribute('data-offline'); }
    });
  });
})();
