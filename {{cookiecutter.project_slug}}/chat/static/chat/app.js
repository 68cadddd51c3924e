// Placeholder page script: replaced by the full chat client.
const root = document.getElementById("chat");
root.textContent = "Connecting…";
