// The asset page's "Preview audio from" form: PUT the chosen mapping, then follow the job that
// re-renders the preview's audio and say when it is done.
import { api } from './api.js';

const root = document.getElementById('asset');
const form = document.querySelector('[data-audio-mapping]');
if (root && form) {
  var msg = form.querySelector('[data-audio-mapping-message]');
  var button = form.querySelector('button');
  function say(text, isError) {
    msg.textContent = text;
    msg.classList.toggle('error', !!isError);
  }
  form.addEventListener('submit', async function (e) {
    e.preventDefault();
    var select = form.querySelector('select');
    var label = select.options[select.selectedIndex].text;
    button.disabled = true;
    try {
      var path = '/api/assets/' + encodeURIComponent(root.dataset.assetId) + '/audio-mapping';
      var res = await api('PUT', path, { mapping: select.value });
      if (!res.job_id) {
        say('The preview will use ' + label + '.');
        return;
      }
      say('The preview’s audio is being made again from ' + label + '…');
      for (var i = 0; i < 300; i++) {
        await new Promise(function (r) { setTimeout(r, 1000); });
        var j = await api('GET', '/api/jobs/' + encodeURIComponent(res.job_id));
        if (j.state === 'ready') {
          say('The preview now plays ' + label + '; reload the page to hear it.');
          return;
        }
        if (j.state === 'failed' || j.state === 'cancelled') {
          say((j.error || 'The audio could not be made again.'), true);
          return;
        }
      }
    } catch (err) {
      say(err.message, true);
    } finally {
      button.disabled = false;
    }
  });
}
