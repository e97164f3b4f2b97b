#include "tests/bench/scenarios.h"

#include "tests/bench/scenario_kit.h"

namespace truc::bench {

const std::vector<Scenario>& Scenarios() {
  static const auto* scenarios = new std::vector<Scenario>{
      {"durable-sends",
       "concurrent 4 KB sends to 10 and 250 recipients, acknowledged once "
       "synced; vs the disk, raw RocksDB and RabbitMQ quorum queues",
       DurableSends},
      {"express-fanout",
       "one express document to 250 real agents, each storing it with "
       "fsync: send -> every inbox; vs RabbitMQ with 250 consumers",
       ExpressFanout},
      {"large-attachment",
       "a 200 MB attachment to 3 agencies: MB/s, peak RSS, store growth; vs "
       "a bare TLS stream and the disk",
       LargeAttachment},
      {"growth",
       "1 M documents preloaded: who has not received, pending, a send, a "
       "poll, a restart; vs the same on an empty store",
       Growth},
      {"fairness",
       "one agency floods sends while 50 others poll: their p99 vs no "
       "flood",
       Fairness},
      {"national-broadcast",
       "one express document from the national tier to 34 provinces x 100 "
       "simulated agencies through a hub and a bridge each: send -> last "
       "acknowledgement and -> the sender's status; vs one hub",
       NationalBroadcast},
      {"web-doors",
       "the console's board loads under 1,000 idle and 200 slow connections "
       "vs none, and the hub's memory and threads with 1,000 live boards",
       WebDoors},
  };
  return *scenarios;
}

}  // namespace truc::bench
