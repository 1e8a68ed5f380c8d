// StateTest: a fixture for state store tests — one private redis-server per
// suite, a fresh random deployment prefix per test, clients on demand.
// For tests only; one thread creates clients, each client then used by one thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/crypto.h"
#include "state/job_store.h"
#include "state/keys.h"
#include "state/queue.h"
#include "state/redis_client.h"
#include "support/redis_server.h"

namespace tcoder::state {

class StateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto server = tcoder::testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    auto keys = Keys::ForDeployment("t" + crypto::Hex(crypto::RandomBytes(6)));
    ASSERT_TRUE(keys.ok());
    keys_ = *keys;
    redis_ = NewClient();
  }

  std::unique_ptr<RedisClient> NewClient() {
    auto client = RedisClient::Connect(server_->url());
    TCODER_CHECK(client.ok(), client.status().ToString());
    return std::move(*client);
  }

  static JobSpec Spec(const std::string& key, int priority = 0) {
    JobSpec spec;
    spec.filename = "in.mp4";
    spec.input_key = key;
    spec.priority = priority;
    return spec;
  }

  // Creates a pending job and returns its id.
  std::string AddPending(JobStore& store, int priority = 0) {
    const std::string id = NewJobId();
    Status s = store.Create(id, Spec("in/" + id, priority), JobStatus::kPending);
    TCODER_CHECK(s.ok(), s.ToString());
    return id;
  }

  JobStatus StatusOf(const std::string& id) {
    JobStore store(*redis_, keys_);
    auto job = store.Get(id);
    TCODER_CHECK(job.ok(), job.status().ToString());
    return job->status;
  }

  static inline std::unique_ptr<tcoder::testing::RedisServer> server_;
  Keys keys_;
  std::unique_ptr<RedisClient> redis_;
};

}  // namespace tcoder::state
