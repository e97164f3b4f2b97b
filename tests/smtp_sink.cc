// smtp_sink: a small real SMTP server for the escalation tests. It listens
// on 127.0.0.1 (port 0: any free one, written to --port-file), speaks
// enough of RFC 5321 for a client such as libcurl (EHLO/HELO, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT), and writes each message it accepts, with its
// envelope, to <dir>/mail-<n>.eml. One connection at a time; it runs until
// killed.
//
//   smtp_sink --dir DIR --port-file FILE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"

namespace {

bool SendLine(int fd, const std::string& line) {
  const std::string out = line + "\r\n";
  return write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size());
}

// Reads one CRLF-terminated line (without it) from `fd`, buffering.
bool ReadLine(int fd, std::string* buffer, std::string* line) {
  while (true) {
    size_t end = buffer->find("\r\n");
    if (end != std::string::npos) {
      *line = buffer->substr(0, end);
      buffer->erase(0, end + 2);
      return true;
    }
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

void Serve(int fd, const std::string& dir, int* count) {
  std::string buffer, line, from, rcpt;
  SendLine(fd, "220 smtp-sink ESMTP");
  while (ReadLine(fd, &buffer, &line)) {
    const std::string verb = absl::AsciiStrToUpper(line.substr(0, 4));
    if (verb == "EHLO") {
      SendLine(fd, "250-smtp-sink");
      SendLine(fd, "250 8BITMIME");
    } else if (verb == "HELO" || verb == "NOOP") {
      SendLine(fd, "250 ok");
    } else if (verb == "MAIL") {
      from = line;
      rcpt.clear();
      SendLine(fd, "250 ok");
    } else if (verb == "RCPT") {
      absl::StrAppend(&rcpt, line, "\n");
      SendLine(fd, "250 ok");
    } else if (verb == "RSET") {
      from.clear();
      rcpt.clear();
      SendLine(fd, "250 ok");
    } else if (verb == "DATA") {
      if (from.empty() || rcpt.empty()) {
        SendLine(fd, "503 need MAIL and RCPT first");
        continue;
      }
      SendLine(fd, "354 end with <CRLF>.<CRLF>");
      std::string message;
      bool done = false;
      while (ReadLine(fd, &buffer, &line)) {
        if (line == ".") {
          done = true;
          break;
        }
        if (absl::StartsWith(line, "..")) line.erase(0, 1);
        absl::StrAppend(&message, line, "\r\n");
      }
      if (!done) return;
      const std::string path =
          truc::JoinPath(dir, absl::StrCat("mail-", ++*count, ".eml"));
      auto written = truc::WriteFileDurably(
          path, absl::StrCat("X-Envelope: ", from, "\n", rcpt, message));
      SendLine(fd, written.ok() ? "250 queued" : "451 cannot write");
    } else if (verb == "QUIT") {
      SendLine(fd, "221 bye");
      return;
    } else {
      SendLine(fd, "502 not implemented");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, port_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    if (std::strcmp(argv[i], "--port-file") == 0) port_file = argv[i + 1];
  }
  if (dir.empty() || port_file.empty()) {
    std::fprintf(stderr, "usage: smtp_sink --dir DIR --port-file FILE\n");
    return 2;
  }
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listener, 16) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("smtp_sink: listen");
    return 1;
  }
  if (!truc::WriteFileDurably(port_file,
                              absl::StrCat(ntohs(addr.sin_port), "\n"))
           .ok()) {
    std::fprintf(stderr, "smtp_sink: cannot write %s\n", port_file.c_str());
    return 1;
  }
  int count = 0;
  while (true) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    Serve(fd, dir, &count);
    close(fd);
  }
}
