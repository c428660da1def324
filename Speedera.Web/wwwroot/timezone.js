// Remembers the browser's IANA time zone in a cookie, so times show in it until the user saves one.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("speedera.tz=" + encodeURIComponent(zone)) < 0) {
      document.cookie = "speedera.tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) {
    // No Intl time zone support: the portal shows UTC.
  }
})();
