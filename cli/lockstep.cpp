#include "lockstep.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>

#include "skb/error.hpp"

namespace skb::cli {

Lockstep::Lockstep(const std::string& spec) {
    if (spec.empty()) return;
    const auto colon = spec.rfind(':'), comma = spec.rfind(',');
    int r = -1, w = -1;
    if (colon == std::string::npos || comma == std::string::npos || comma < colon || colon == 0 ||
        std::sscanf(spec.c_str() + colon + 1, "%d,%d", &r, &w) != 2 || r < 0 || w < 0 || r == w ||
        ::fcntl(r, F_GETFD) < 0 || ::fcntl(w, F_GETFD) < 0)
        throw Error("--lockstep '" + spec + "': expected ID:R,W with R and W two open file descriptors");
    id_ = spec.substr(0, colon);
    read_fd_ = r;
    write_fd_ = w;
    std::signal(SIGPIPE, SIG_IGN);  // the other side gone is EPIPE, not a killed skbench
}

Lockstep::~Lockstep() {
    if (read_fd_ >= 0) ::close(read_fd_);
    if (write_fd_ >= 0) ::close(write_fd_);
}

void Lockstep::wait() {
    if (read_fd_ < 0) return;
    char token = 0;
    ssize_t n;
    while ((n = ::read(read_fd_, &token, 1)) < 0 && errno == EINTR) {
    }
    if (n <= 0) {  // the other side has finished (or died): no more turns to wait for
        ::close(read_fd_);
        read_fd_ = -1;
    }
}

void Lockstep::pass() {
    if (write_fd_ < 0) return;
    const char token = 't';
    ssize_t n;
    while ((n = ::write(write_fd_, &token, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) {
        ::close(write_fd_);
        write_fd_ = -1;
    }
}

}  // namespace skb::cli
