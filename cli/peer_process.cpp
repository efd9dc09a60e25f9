#include "peer_process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include "skb/error.hpp"

namespace skb::cli {

PeerProcess::PeerProcess(const std::string& python, const std::string& script) {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw Error("cannot create pipes for the peers runner");
    pid_ = ::fork();
    if (pid_ < 0) throw Error("cannot start the peers runner");
    if (pid_ == 0) {
        ::dup2(to_child[0], 0);
        ::dup2(from_child[1], 1);
        ::close(to_child[1]);
        ::close(from_child[0]);
        ::execl(python.c_str(), python.c_str(), script.c_str(), "--serve", static_cast<char*>(nullptr));
        std::fprintf(stderr, "skbench: error: cannot run %s\n", python.c_str());
        ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_ = ::fdopen(to_child[1], "w");
    from_ = ::fdopen(from_child[0], "r");
}

PeerProcess::~PeerProcess() {
    if (to_) std::fclose(to_);
    if (from_) std::fclose(from_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
}

nlohmann::json PeerProcess::request(const nlohmann::json& message) {
    const std::string line = message.dump() + "\n";
    if (std::fputs(line.c_str(), to_) < 0 || std::fflush(to_) != 0) throw Error("the peers runner has exited");
    std::string reply;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, from_)) {
        reply += buffer;
        if (!reply.empty() && reply.back() == '\n') break;
    }
    if (reply.empty()) throw Error("the peers runner has exited (see its error above)");
    return nlohmann::json::parse(reply);
}

}  // namespace skb::cli
