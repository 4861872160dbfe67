// groovematch front end: upload feedback and segment playback. No dependencies, no external requests.
(function () {
  'use strict';

  // ---- Upload form: show the chosen file, check its size, and give feedback while the server works. ----
  const form = document.getElementById('upload-form');
  if (form) {
    const input = form.querySelector('input[type=file]');
    const label = document.getElementById('file-label');
    const error = document.getElementById('form-error');
    const button = document.getElementById('submit-button');
    const buttonText = button ? button.querySelector('.button-text') : null;
    const maxBytes = Number(form.dataset.maxBytes) || Infinity;
    const maxMb = form.dataset.maxMb;
    const idleText = buttonText ? buttonText.textContent : '';

    const showError = function (message) {
      if (!error) return;
      error.textContent = message;
      error.hidden = !message;
    };
    const setBusy = function (busy) {
      form.classList.toggle('is-busy', busy);
      form.setAttribute('aria-busy', busy ? 'true' : 'false');
      if (button) button.disabled = busy;
      if (buttonText) buttonText.textContent = busy ? 'Analysing…' : idleText;
    };

    if (input && label) {
      input.addEventListener('change', function () {
        const file = input.files && input.files[0];
        showError('');
        label.textContent = file ? file.name : 'Drop a song here or choose a file';
        form.classList.toggle('has-file', Boolean(file));
        if (file && file.size > maxBytes) showError('That file is larger than ' + maxMb + ' MB.');
      });
      const zone = label.closest('.dropzone');
      if (zone) {
        ['dragenter', 'dragover'].forEach(function (t) { zone.addEventListener(t, function () { zone.classList.add('is-over'); }); });
        ['dragleave', 'drop'].forEach(function (t) { zone.addEventListener(t, function () { zone.classList.remove('is-over'); }); });
      }
    }

    form.addEventListener('submit', function (event) {
      const file = input && input.files && input.files[0];
      if (file && file.size > maxBytes) {
        event.preventDefault();
        showError('That file is larger than ' + maxMb + ' MB.');
        return;
      }
      if (form.classList.contains('is-busy')) { event.preventDefault(); return; }
      // Let the browser start the submission first, then lock the form.
      window.setTimeout(function () { setBusy(true); }, 0);
    });
    // Coming back with the Back button restores the page from cache: unlock it.
    window.addEventListener('pageshow', function () { setBusy(false); });
  }

  // ---- Only one player at a time. ----
  document.addEventListener('play', function (event) {
    document.querySelectorAll('audio').forEach(function (a) { if (a !== event.target) a.pause(); });
  }, true);

  // ---- Segment table: clicking a row plays the matching span of the catalogue track. ----
  const player = document.getElementById('segment-audio');
  const nowPlaying = document.getElementById('now-playing');
  if (player) {
    let stopAt = null;
    let activeRow = null;

    const play = function (row) {
      const src = row.dataset.src;
      const start = Number(row.dataset.start) || 0;
      const end = Number(row.dataset.end) || 0;
      if (!src) return;
      if (activeRow) activeRow.classList.remove('is-playing');
      activeRow = row;
      row.classList.add('is-playing');
      if (nowPlaying) nowPlaying.textContent = 'Playing ' + (row.dataset.label || '');
      stopAt = end > start ? end : null;

      const seekAndPlay = function () {
        player.currentTime = start;
        const p = player.play();
        if (p && typeof p.catch === 'function') p.catch(function () { /* autoplay refused: controls remain */ });
      };
      if (player.getAttribute('src') === src && player.readyState >= 1) {
        seekAndPlay();
      } else {
        player.setAttribute('src', src);
        player.addEventListener('loadedmetadata', seekAndPlay, { once: true });
        player.load();
      }
    };

    player.addEventListener('timeupdate', function () {
      if (stopAt !== null && player.currentTime >= stopAt) {
        stopAt = null;
        player.pause();
      }
    });
    player.addEventListener('ended', function () {
      if (activeRow) activeRow.classList.remove('is-playing');
    });

    document.querySelectorAll('tr.segment-row').forEach(function (row) {
      row.addEventListener('click', function () { play(row); });
    });
  }
})();
