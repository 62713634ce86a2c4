// Progressive enhancement for the attestation form: when "I do not use this tool" is chosen,
// hide the settings questions (they are not needed). Without JavaScript everything stays visible.
(function () {
  "use strict";
  var form = document.querySelector(".attest-form");
  var section = document.getElementById("uses-tool");
  if (!form || !section) { return; }
  var radios = form.querySelectorAll("input[name='tool_used']");
  function update() {
    var chosen = form.querySelector("input[name='tool_used']:checked");
    var notUsed = chosen && chosen.value === "no";
    section.classList.toggle("is-hidden", Boolean(notUsed));
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
