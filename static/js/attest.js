// Progressive enhancement for the attestation form: when "I do not use this tool" is chosen,
// hide the settings questions (they are not needed). Without JavaScript everything stays visible
// (and the required value is still marked in each question's labels).
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

  // Say at once when an answer is not the required value, so that an answer chosen by a
  // stray key press (Space on the first radio) is noticed before signing.
  form.querySelectorAll("fieldset[data-required-value]").forEach(function (group) {
    var note = group.querySelector(".answer-note");
    var required = group.querySelector(".is-required label");
    if (!note || !required) { return; }
    function check() {
      var chosen = group.querySelector("input[type='radio']:checked");
      var off = chosen && chosen.value !== group.getAttribute("data-required-value");
      var offNote = group.getAttribute("data-off-note");
      note.textContent = off && offNote ? offNote : off
        ? "This is not the required value (" + required.textContent.replace("(required)", "").trim() +
          "): change it in the tool first, or submit and request an exception."
        : "";
      group.classList.toggle("is-off-policy", Boolean(off));
    }
    group.querySelectorAll("input[type='radio']").forEach(function (radio) {
      radio.addEventListener("change", check);
    });
    check();
  });
})();
