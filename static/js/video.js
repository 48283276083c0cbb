/* The video meeting page: device check, waiting room and call (protocol:
   platform/meetings/VIDEO.md). Browser to browser over WebRTC; the socket carries only the
   signalling. The therapist's page makes the offer when the participant is let in; either
   side's "leave" ends the call for both. If the camera is refused or the call does not
   connect within CONNECT_TIMEOUT_MS, the page shows the phone fallback. */
(function () {
  "use strict";
  var root = document.getElementById("video");
  if (!root) return;
  var strings = JSON.parse(document.getElementById("video-strings").textContent);
  var iceServers = JSON.parse(document.getElementById("video-ice").textContent);
  var side = root.dataset.side;
  var CONNECT_TIMEOUT_MS = 20000;
  var $ = function (id) { return document.getElementById(id); };
  var statusLine = $("video-status");
  var local = $("video-local");
  var remote = $("video-remote");
  var stream = null;
  var socket = null;
  var pc = null;
  var pendingCandidates = [];
  var connectTimer = null;
  var joinedAt = 0;
  var inCall = false;
  var finished = false;
  var retries = 0;

  function say(text) { statusLine.textContent = text; }
  function show(id, on) { $(id).hidden = !on; }

  function fail() {
    clearTimeout(connectTimer);
    closePeer();
    show("video-failed", true);
    show("video-waiting", false);
  }

  // --- the device check --------------------------------------------------------------------
  show("video-no-script", false);
  if (!window.RTCPeerConnection || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say(strings.no_webrtc);
    fail();
    return;
  }
  show("video-check-start", true);

  $("video-check-start").addEventListener("click", function () {
    say(strings.checking);
    show("video-check-error", false);
    navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then(function (got) {
      stream = got;
      local.srcObject = stream;
      show("video-local", true);
      say(strings.check_ok);
      show("video-failed", false);
      show("video-check-start", false);
      show("video-join", true);
      $("video-join").focus();
    }, function (error) {
      var text = error && error.name === "NotFoundError" ? strings.no_device : strings.refused;
      $("video-check-error").textContent = text;
      show("video-check-error", true);
      say("");
      fail();
    });
  });

  $("video-join").addEventListener("click", function () {
    show("video-check", false);
    show("video-controls", true);
    joinedAt = performance.now();
    connect();
  });

  // --- the socket --------------------------------------------------------------------------
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.onopen = function () { retries = 0; send({ type: "ready" }); };
    socket.onmessage = function (event) { onFrame(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      socket = null;
      if (finished) return;
      if (event.code === 4401) { say(strings.logged_out); end(false); return; }
      if (event.code === 4403) { say(strings.closed); end(false); return; }
      say(strings.interrupted);
      retries += 1;
      setTimeout(connect, Math.min(10000, 1000 * retries));
    };
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "waiting":
        show("video-waiting", true);
        break;
      case "knock":
        closePeer();
        show("video-waiting", true);
        say(strings.knock);
        $("video-waiting-text").textContent = strings.knock;
        show("video-admit", true);
        break;
      case "admitted":
        show("video-waiting", false);
        say(strings.connecting);
        startTimer();
        break;
      case "peer":
        show("video-waiting", false);
        offer();
        break;
      case "offer":
        answer(frame.sdp);
        break;
      case "answer":
        if (pc) pc.setRemoteDescription({ type: "answer", sdp: frame.sdp }).then(flushCandidates, fail);
        break;
      case "candidate":
        if (pc && pc.remoteDescription) pc.addIceCandidate(frame.candidate).catch(function () {});
        else pendingCandidates.push(frame.candidate);
        break;
      case "peer_left":
        closePeer();
        say(strings.peer_left);
        show("video-waiting", true);
        if (side === "therapist") $("video-waiting-text").textContent = strings.peer_left;
        break;
      case "ended":
        end(true);
        break;
      case "error":
        if (frame.code === "room_closed") say(strings.closed);
        break;
    }
  }

  // --- the peer connection -----------------------------------------------------------------
  function newPeer() {
    closePeer();
    pc = new RTCPeerConnection({ iceServers: iceServers });
    stream.getTracks().forEach(function (track) { pc.addTrack(track, stream); });
    pc.onicecandidate = function (event) {
      if (event.candidate && event.candidate.candidate) send({ type: "candidate", candidate: event.candidate.toJSON() });
    };
    pc.ontrack = function (event) {
      remote.srcObject = event.streams[0];
      show("video-remote", true);
    };
    pc.oniceconnectionstatechange = function () {
      var state = pc ? pc.iceConnectionState : "closed";
      if (state === "connected" || state === "completed") {
        clearTimeout(connectTimer);
        if (!inCall) root.dataset.connectedAfterMs = String(Math.round(performance.now() - joinedAt));
        inCall = true;
        show("video-failed", false);
        say(strings.connected);
      } else if (state === "failed") {
        fail();
      }
    };
    startTimer();
    return pc;
  }

  function startTimer() {
    clearTimeout(connectTimer);
    inCall = false;
    connectTimer = setTimeout(function () { if (!inCall) fail(); }, CONNECT_TIMEOUT_MS);
  }

  function flushCandidates() {
    var queued = pendingCandidates;
    pendingCandidates = [];
    queued.forEach(function (c) { pc.addIceCandidate(c).catch(function () {}); });
  }

  function offer() {
    say(strings.connecting);
    var peer = newPeer();
    peer.createOffer().then(function (description) {
      return peer.setLocalDescription(description);
    }).then(function () {
      send({ type: "offer", sdp: peer.localDescription.sdp });
    }).catch(fail);
  }

  function answer(sdp) {
    var peer = newPeer();
    peer.setRemoteDescription({ type: "offer", sdp: sdp }).then(function () {
      flushCandidates();
      return peer.createAnswer();
    }).then(function (description) {
      return peer.setLocalDescription(description);
    }).then(function () {
      send({ type: "answer", sdp: peer.localDescription.sdp });
    }).catch(fail);
  }

  function closePeer() {
    clearTimeout(connectTimer);
    if (pc) { pc.onicecandidate = null; pc.oniceconnectionstatechange = null; pc.close(); }
    pc = null;
    pendingCandidates = [];
    inCall = false;
    remote.srcObject = null;
    show("video-remote", false);
  }

  function end(showEnded) {
    finished = true;
    clearTimeout(connectTimer);
    closePeer();
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    local.srcObject = null;
    show("video-local", false);
    show("video-controls", false);
    show("video-waiting", false);
    if (showEnded) { show("video-ended", true); say(""); }
    // The server closes the socket after "leave" (ended); this is in case it cannot.
    var last = socket;
    if (last) setTimeout(function () { last.close(); }, 2000);
  }

  // --- the buttons -------------------------------------------------------------------------
  var admit = $("video-admit");
  if (admit) admit.addEventListener("click", function () {
    show("video-admit", false);
    say(strings.connecting);
    send({ type: "admit" });
  });

  function toggle(button, kind, onText, offText) {
    button.addEventListener("click", function () {
      var off = button.getAttribute("aria-pressed") !== "true";
      stream.getTracks().forEach(function (t) { if (t.kind === kind) t.enabled = !off; });
      button.setAttribute("aria-pressed", off ? "true" : "false");
      button.textContent = off ? offText : onText;
    });
  }
  toggle($("video-mute"), "audio", strings.mute, strings.unmute);
  toggle($("video-camera"), "video", strings.camera_off, strings.camera_on);

  $("video-leave").addEventListener("click", function () {
    // Leaving ends the call for both; a participant still in the waiting room just goes
    // (the server tells the two apart).
    send({ type: "leave" });
    end(true);
  });

  // For the browser journey (tests/e2e/test_video_journey.py): the call's connection.
  window.omtagVideoCall = { peer: function () { return pc; } };
})();
