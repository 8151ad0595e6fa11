// Accessible names and landmarks for Chainlit's own controls (Chainlit 2.12), which ship as
// icon-only buttons without names and a page without a main landmark or a level-one
// heading (axe-core: button-name, landmark-one-main, page-has-heading-one). Loaded through
// `custom_js` in .chainlit/config.toml; reported upstream in the closing note of issue 15.
(function () {
  'use strict';

  var BY_ID = {
    'new-chat-button': 'New chat',
    'chat-settings-open-modal': 'Chat settings: authority',
    'chat-submit': 'Send question',
    'theme-toggle': 'Switch between light and dark theme',
    'open-sidebar-button': 'Open the list of chats',
    'close-sidebar-button': 'Close the list of chats'
  };
  // lucide icon inside an unnamed button -> what the button does
  var BY_ICON = [
    ['lucide-thumbs-up', 'Rate this answer as helpful'],
    ['lucide-thumbs-down', 'Rate this answer as not helpful'],
    ['lucide-copy', 'Copy this answer as markdown'],
    ['lucide-check', 'Copied'],
    ['lucide-x', 'Close'],
    ['lucide-arrow-left', 'Back'],
    ['lucide-arrow-down', 'Scroll to the latest answer'],
    ['lucide-square-pen', 'New chat'],
    ['lucide-settings-2', 'Settings'],
    ['lucide-paperclip', 'Attach a file'],
    ['lucide-mic', 'Speak'],
    ['lucide-square', 'Stop'],
    ['lucide-chevron-down', 'Show more'],
    ['lucide-chevron-up', 'Show less'],
    ['lucide-panel-left', 'Toggle the list of chats']
  ];

  function hasName(el) {
    return (el.getAttribute('aria-label') || '').trim() || (el.getAttribute('aria-labelledby') || '').trim() ||
      (el.getAttribute('title') || '').trim() || (el.textContent || '').trim();
  }

  function labelFor(button) {
    if (button.id && BY_ID[button.id]) return BY_ID[button.id];
    if (button.closest('#side-view-title')) return 'Close the citation panel';
    var svg = button.querySelector('svg');
    var cls = svg ? (svg.getAttribute('class') || '') : '';
    for (var i = 0; i < BY_ICON.length; i++) {
      if ((' ' + cls + ' ').indexOf(' ' + BY_ICON[i][0] + ' ') !== -1) {
        return BY_ICON[i][1];
      }
    }
    return null;
  }

  function fix(root) {
    var buttons = (root || document).querySelectorAll('button, [role="button"]');
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      if (hasName(b)) continue;
      var label = labelFor(b);
      if (label) b.setAttribute('aria-label', label);
    }
    // Chat-settings sliders: the thumb (role=slider) is unnamed; name it after the
    // widget's <label for=...> (axe-core aria-input-field-name).
    var sliders = document.querySelectorAll('[role="slider"]');
    for (var k = 0; k < sliders.length; k++) {
      if (hasName(sliders[k])) continue;
      for (var el = sliders[k]; el && el !== document.body; el = el.parentElement) {
        var lab = el.id && document.querySelector('label[for="' + el.id + '"]');
        if (lab && lab.textContent.trim()) { sliders[k].setAttribute('aria-label', lab.textContent.trim()); break; }
      }
    }
    // The resizable panel's handle points aria-controls at a panel id React never renders.
    var handles = document.querySelectorAll('[role="separator"][aria-controls]');
    for (var j = 0; j < handles.length; j++) {
      if (!document.getElementById(handles[j].getAttribute('aria-controls'))) handles[j].removeAttribute('aria-controls');
    }
    var root0 = document.getElementById('root');
    if (root0 && !document.querySelector('main, [role="main"]')) root0.setAttribute('role', 'main');
    if (!document.querySelector('h1')) {
      // Outside React's root (React would remove it), inside a banner landmark.
      var banner = document.createElement('header');
      var h1 = document.createElement('h1');
      h1.className = 'sr-only';
      h1.textContent = document.title || 'Permanence policy assistant';
      banner.appendChild(h1);
      // Answers use h3 per council (the answering engine's markdown); an h2 before them
      // keeps the heading levels unbroken (axe-core heading-order).
      var h2 = document.createElement('h2');
      h2.className = 'sr-only';
      h2.textContent = 'Conversation';
      banner.appendChild(h2);
      document.body.insertBefore(banner, document.body.firstChild);
    }
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(document); });
  }

  function start() {
    fix(document);
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, attributes: true,
      attributeFilter: ['aria-controls', 'class'] });
    document.addEventListener('click', rememberMarker, true);
    document.addEventListener('keydown', closePanelOnEscape, true);
  }

  // Escape closes the citation panel and puts focus back on the marker that opened it,
  // so a keyboard user continues where they were (WCAG 2.4.3 focus order).
  var lastMarker = null;
  function rememberMarker(event) {
    var link = event.target && event.target.closest && event.target.closest('a.element-link');
    if (link) lastMarker = link;
  }
  function closePanelOnEscape(event) {
    if (event.key !== 'Escape' || document.querySelector('[role="dialog"]')) return;
    var close = document.querySelector('#side-view-title button');
    if (!close) return;
    event.preventDefault();
    close.click();
    if (lastMarker && lastMarker.isConnected) lastMarker.focus();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
