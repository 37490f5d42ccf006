// The portal's logout page: posts the broker's logout form at once (the
// button is there for a browser without scripts). A file, not inline: the
// CSP allows scripts from 'self' only.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("broker-logout");
  if (form) form.submit();
});
