#include "serve/redis_cache.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstring>
#include <mutex>
#include <thread>

#include "http/asio.h"

namespace hone::serve {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// The value stored: [u32 key length][key bytes][payload].
std::string encode_value(const CacheKey& key, std::string_view payload) {
  std::string value;
  const auto length = static_cast<std::uint32_t>(key.bytes.size());
  value.reserve(sizeof length + length + payload.size());
  value.append(reinterpret_cast<const char*>(&length), sizeof length);
  value.append(key.bytes);
  value.append(payload);
  return value;
}

std::optional<std::string> decode_value(const CacheKey& key, const char* data, std::size_t size) {
  std::uint32_t length = 0;
  if (size < sizeof length) return std::nullopt;
  std::memcpy(&length, data, sizeof length);
  if (size < sizeof length + length) return std::nullopt;
  if (std::string_view(data + sizeof length, length) != key.bytes)
    return std::nullopt;  // collision
  return std::string(data + sizeof length + length, size - sizeof length - length);
}

}  // namespace

Status parse_redis_url(const std::string& url, RedisOptions& options) {
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) return fail("redis URL '" + url + "' must start with redis://");
  std::string rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find('/'));
  const auto colon = rest.rfind(':');
  options.host = rest.substr(0, colon);
  if (options.host.empty()) return fail("redis URL '" + url + "' has no host");
  if (colon != std::string::npos) {
    const long port = std::strtol(rest.c_str() + colon + 1, nullptr, 10);
    if (port < 1 || port > 65535) return fail("redis URL '" + url + "' has a bad port");
    options.port = static_cast<std::uint16_t>(port);
  }
  return {};
}

// Everything below runs on the Redis thread, except the public entry points, which post to it.
class RedisCache::Impl {
 public:
  explicit Impl(RedisOptions options) : options_(std::move(options)), reconnect_timer_(io_) {
    spdlog::default_logger_raw();  // create spdlog's registry here, before our thread logs
    asio::post(io_, [this] { connect(); });
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Impl() {
    asio::post(io_, [this] {
      stopping_ = true;
      reconnect_timer_.cancel();
      drop_connection();
    });
    guard_.reset();
    thread_.join();
  }

  void get(CacheKey key, Found found) {
    asio::post(io_, [this, key = std::move(key), found = std::move(found)]() mutable {
      start_get(std::move(key), std::move(found));
    });
  }

  void set(CacheKey key, std::string payload, std::chrono::microseconds ttl) {
    asio::post(io_, [this, key = std::move(key), payload = std::move(payload), ttl] {
      start_set(key, payload, ttl);
    });
  }

  RedisStats stats() const {
    RedisStats s;
    s.hits = hits_;
    s.misses = misses_;
    s.errors = errors_;
    s.timeouts = timeouts_;
    s.skipped = skipped_;
    s.sets = sets_;
    s.bytes_read = bytes_read_;
    s.bytes_written = bytes_written_;
    s.breaker_opened = breaker_opened_;
    s.connected = connected_;
    s.breaker_open = breaker_open_;
    return s;
  }

 private:
  // One hiredis connection and the Asio descriptor that watches its socket.
  struct Link {
    Impl* owner = nullptr;
    std::weak_ptr<Link> self;  // lets a pending wait keep the Link alive
    redisAsyncContext* context = nullptr;
    std::unique_ptr<asio::posix::stream_descriptor> socket;
    bool want_read = false;
    bool want_write = false;
    bool read_armed = false;
    bool write_armed = false;
    bool dead = false;
  };

  struct Lookup {
    CacheKey key;
    Found found;
    bool answered = false;
    std::unique_ptr<asio::steady_timer> timer;
  };

  // --- connection -------------------------------------------------------------------------

  void connect() {
    if (stopping_) return;
    redisAsyncContext* context = redisAsyncConnect(options_.host.c_str(), options_.port);
    if (context == nullptr || context->err) {
      if (context != nullptr) redisAsyncFree(context);
      ++errors_;
      schedule_reconnect();
      return;
    }
    auto link = std::make_shared<Link>();
    link->owner = this;
    link->self = link;
    link->context = context;
    link->socket = std::make_unique<asio::posix::stream_descriptor>(io_, context->c.fd);
    context->data = link.get();
    context->ev.data = link.get();
    context->ev.addRead = [](void* p) {
      static_cast<Link*>(p)->owner->want(static_cast<Link*>(p), true, true);
    };
    context->ev.delRead = [](void* p) { static_cast<Link*>(p)->want_read = false; };
    context->ev.addWrite = [](void* p) {
      static_cast<Link*>(p)->owner->want(static_cast<Link*>(p), false, true);
    };
    context->ev.delWrite = [](void* p) { static_cast<Link*>(p)->want_write = false; };
    context->ev.cleanup = [](void* p) {
      static_cast<Link*>(p)->owner->cleanup(static_cast<Link*>(p));
    };
    redisAsyncSetConnectCallback(context, [](const redisAsyncContext* c, int status) {
      static_cast<Link*>(c->data)->owner->on_connect(static_cast<Link*>(c->data), status);
    });
    redisAsyncSetDisconnectCallback(context, [](const redisAsyncContext* c, int status) {
      static_cast<Link*>(c->data)->owner->on_disconnect(static_cast<Link*>(c->data), status);
    });
    link_ = link;
    // hiredis asks for write readiness to finish the connect; bound how long that may take.
    auto timer = std::make_shared<asio::steady_timer>(io_, options_.connect_timeout);
    timer->async_wait(
        [this, timer, weak = std::weak_ptr<Link>(link)](const boost::system::error_code& error) {
          auto current = weak.lock();
          if (error || !current || current->dead || connected_) return;
          spdlog::debug("redis: connect to {}:{} timed out", options_.host, options_.port);
          ++errors_;
          drop_connection();
          schedule_reconnect();
        });
  }

  void want(Link* link, bool read, bool on) {
    if (read) {
      link->want_read = on;
    } else {
      link->want_write = on;
    }
    arm(link, read);
  }

  void arm(Link* link, bool read) {
    if (link->dead) return;
    bool& armed = read ? link->read_armed : link->write_armed;
    if (armed || !(read ? link->want_read : link->want_write)) return;
    armed = true;
    auto keep = link->self.lock();  // the Link outlives the wait
    link->socket->async_wait(read ? asio::posix::stream_descriptor::wait_read
                                  : asio::posix::stream_descriptor::wait_write,
                             [this, keep, link, read](const boost::system::error_code& error) {
                               (read ? link->read_armed : link->write_armed) = false;
                               if (error || link->dead) return;
                               if (read && link->want_read) redisAsyncHandleRead(link->context);
                               if (!read && link->want_write) redisAsyncHandleWrite(link->context);
                               if (!link->dead) arm(link, read);  // hiredis may still want more
                             });
  }

  // hiredis frees the context: it owns and closes the socket, so only forget it here.
  void cleanup(Link* link) {
    link->dead = true;
    if (link->socket) {
      link->socket->release();
    }
    if (link_.get() == link) connected_ = false;
  }

  void on_connect(Link* link, int status) {
    if (status != REDIS_OK) {
      ++errors_;
      spdlog::debug("redis: cannot connect to {}:{}", options_.host, options_.port);
      link->dead = true;
      if (link_.get() == link) link_.reset();
      connected_ = false;
      schedule_reconnect();
      return;
    }
    connected_ = true;
    spdlog::info("redis: connected to {}:{}", options_.host, options_.port);
  }

  void on_disconnect(Link* link, int status) {
    link->dead = true;
    connected_ = false;
    if (link_.get() == link) link_.reset();
    if (status != REDIS_OK) ++errors_;
    if (!stopping_) {
      spdlog::warn("redis: disconnected from {}:{}; predictions go on without it", options_.host,
                   options_.port);
      schedule_reconnect();
    }
  }

  void drop_connection() {
    auto link = std::move(link_);
    connected_ = false;
    if (link && !link->dead) {
      link->dead = true;
      redisAsyncFree(link->context);  // calls pending callbacks with no reply
    }
  }

  void schedule_reconnect() {
    if (stopping_) return;
    reconnect_timer_.expires_after(options_.breaker_cooldown);
    reconnect_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error && !link_) connect();
    });
  }

  // --- circuit breaker ----------------------------------------------------------------------

  bool may_ask() {
    if (!connected_ || !link_ || pending_ >= options_.max_pending) return false;
    if (breaker_open_ && Clock::now() < open_until_) return false;
    return true;  // closed, or half-open: this request is the probe
  }

  void succeeded() {
    failures_ = 0;
    breaker_open_ = false;
  }

  void failed(bool stuck) {
    if (++failures_ < options_.breaker_failures && !breaker_open_) return;
    if (!breaker_open_) {
      ++breaker_opened_;
      spdlog::warn("redis: {} failures in a row; not using it for {} ms", failures_,
                   options_.breaker_cooldown.count());
    }
    breaker_open_ = true;
    open_until_ = Clock::now() + options_.breaker_cooldown;
    if (stuck) {  // a connection that stopped answering is dropped and made again
      drop_connection();
      schedule_reconnect();
    }
  }

  // --- commands -----------------------------------------------------------------------------

  void start_get(CacheKey key, Found found) {
    if (!may_ask()) {
      ++skipped_;
      found(std::nullopt);
      return;
    }
    auto lookup = std::make_shared<Lookup>();
    lookup->key = std::move(key);
    lookup->found = std::move(found);
    lookup->timer = std::make_unique<asio::steady_timer>(io_, options_.command_timeout);
    lookup->timer->async_wait([this, lookup](const boost::system::error_code& error) {
      if (error || lookup->answered) return;
      lookup->answered = true;
      ++timeouts_;
      lookup->found(std::nullopt);
      failed(true);
    });
    const std::string name = options_.prefix + hex(lookup->key);
    auto* holder = new std::shared_ptr<Lookup>(lookup);
    ++pending_;
    if (redisAsyncCommand(link_->context, &Impl::on_get_reply, holder, "GET %b", name.data(),
                          name.size()) != REDIS_OK) {
      --pending_;
      delete holder;
      lookup->timer->cancel();
      if (!lookup->answered) {
        lookup->answered = true;
        ++errors_;
        lookup->found(std::nullopt);
      }
    }
  }

  static void on_get_reply(redisAsyncContext* context, void* reply_pointer, void* data) {
    std::unique_ptr<std::shared_ptr<Lookup>> holder(static_cast<std::shared_ptr<Lookup>*>(data));
    auto* link = static_cast<Link*>(context->data);
    Impl* self = link->owner;
    --self->pending_;
    Lookup& lookup = **holder;
    if (lookup.answered) return;  // timed out already
    lookup.answered = true;
    lookup.timer->cancel();
    const auto* reply = static_cast<redisReply*>(reply_pointer);
    std::optional<std::string> value;
    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
      ++self->errors_;
      self->failed(false);
    } else {
      self->succeeded();
      if (reply->type == REDIS_REPLY_STRING)
        value = decode_value(lookup.key, reply->str, reply->len);
      ++(value ? self->hits_ : self->misses_);
      if (value) self->bytes_read_ += static_cast<std::int64_t>(reply->len);
    }
    lookup.found(std::move(value));
  }

  void start_set(const CacheKey& key, std::string_view payload, std::chrono::microseconds ttl) {
    if (!may_ask()) return;
    const std::string name = options_.prefix + hex(key);
    const std::string value = encode_value(key, payload);
    const long long ms = ttl.count() > 0 ? std::max<long long>(1, ttl.count() / 1000) : 0;
    void* size_tag = reinterpret_cast<void*>(static_cast<std::uintptr_t>(value.size()));
    ++pending_;
    const int status =
        ms > 0
            ? redisAsyncCommand(link_->context, &Impl::on_set_reply, size_tag, "SET %b %b PX %lld",
                                name.data(), name.size(), value.data(), value.size(), ms)
            : redisAsyncCommand(link_->context, &Impl::on_set_reply, size_tag, "SET %b %b",
                                name.data(), name.size(), value.data(), value.size());
    if (status != REDIS_OK) {
      --pending_;
      ++errors_;
    }
  }

  // The SET's value size travels as the reply callback's private pointer.
  static void on_set_reply(redisAsyncContext* context, void* reply_pointer, void* size_tag) {
    Impl* self = static_cast<Link*>(context->data)->owner;
    --self->pending_;
    const auto* reply = static_cast<redisReply*>(reply_pointer);
    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
      ++self->errors_;
    } else {
      ++self->sets_;
      self->bytes_written_ += static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(size_tag));
    }
  }

  RedisOptions options_;
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  asio::steady_timer reconnect_timer_;
  std::shared_ptr<Link> link_;
  std::thread thread_;
  bool stopping_ = false;
  int failures_ = 0;
  Clock::time_point open_until_;
  std::size_t pending_ = 0;
  // Read by stats() from other threads.
  std::atomic<bool> connected_{false};
  std::atomic<bool> breaker_open_{false};
  std::atomic<std::int64_t> hits_{0};
  std::atomic<std::int64_t> misses_{0};
  std::atomic<std::int64_t> errors_{0};
  std::atomic<std::int64_t> timeouts_{0};
  std::atomic<std::int64_t> skipped_{0};
  std::atomic<std::int64_t> sets_{0};
  std::atomic<std::int64_t> bytes_read_{0};
  std::atomic<std::int64_t> bytes_written_{0};
  std::atomic<std::int64_t> breaker_opened_{0};
};

RedisCache::RedisCache(RedisOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
RedisCache::~RedisCache() = default;

void RedisCache::get(const CacheKey& key, Found found) { impl_->get(key, std::move(found)); }

void RedisCache::set(const CacheKey& key, std::string payload, std::chrono::microseconds ttl) {
  impl_->set(key, std::move(payload), ttl);
}

RedisStats RedisCache::stats() const { return impl_->stats(); }

}  // namespace hone::serve
