// The console's sign-in: a key from the printed link's fragment (never sent to the server in the URL) or typed in.
(function () {
  'use strict';
  var form = document.getElementById('sign-in');
  var input = document.getElementById('key');
  var error = document.getElementById('error');

  async function signIn(key) {
    error.hidden = true;
    var response = await fetch('/agent/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ accessKey: key })
    });
    if (response.ok) {
      window.location.replace('/agent');
      return;
    }
    var problem = await response.json().catch(function () { return {}; });
    error.textContent = problem.detail || ('Sign-in failed (' + response.status + ').');
    error.hidden = false;
    input.focus();
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    signIn(input.value.trim());
  });

  var fromLink = new URLSearchParams(window.location.hash.slice(1)).get('key');
  if (fromLink) {
    history.replaceState(null, '', window.location.pathname);
    input.value = fromLink;
    signIn(fromLink);
  } else {
    input.focus();
  }
})();
