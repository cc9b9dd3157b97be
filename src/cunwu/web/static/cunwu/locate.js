/* "Use this phone's location" on an intake form: the browser asks the person, then the point goes into the form's
   hidden latitude and longitude fields (nothing is sent until the form is). Without geolocation the button stays
   hidden and the place is said in words. */
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-locate]");
  if (!button || !navigator.geolocation) { return; }
  var form = button.form, said = document.getElementById(button.getAttribute("aria-describedby"));
  button.hidden = false;
  button.addEventListener("click", function () {
    said.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(function (where) {
      form.elements.latitude.value = where.coords.latitude.toFixed(6);
      form.elements.longitude.value = where.coords.longitude.toFixed(6);
      said.textContent = button.dataset.done + " " + where.coords.latitude.toFixed(5) + ", " +
        where.coords.longitude.toFixed(5);
    }, function () { said.textContent = button.dataset.failed; }, {enableHighAccuracy: true, timeout: 15000});
  });
});
