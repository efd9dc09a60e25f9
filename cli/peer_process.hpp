// The peers runner (bench/peers/run_peers.py --serve) as a child process speaking JSON lines: one request, one
// reply. A runner that has exited is an skb::Error on the next request.
#pragma once
#include <sys/types.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace skb::cli {

class PeerProcess {
public:
    PeerProcess(const std::string& python, const std::string& script);
    ~PeerProcess();
    PeerProcess(const PeerProcess&) = delete;
    PeerProcess& operator=(const PeerProcess&) = delete;

    nlohmann::json request(const nlohmann::json& message);

private:
    pid_t pid_ = -1;
    FILE* to_ = nullptr;
    FILE* from_ = nullptr;
};

}  // namespace skb::cli
