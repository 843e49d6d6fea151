namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// The Lua scripts that keep the Redis session store consistent. Each runs atomically within one partition (one
/// hash tag, <see cref="Redis.RedisKeys"/>), so a session ends once, and its ending and its pending event are
/// recorded together; <see cref="Append"/> then puts the event in the log, once. Times are Unix milliseconds from
/// the service's clock; a session's deadline is its absolute expiry or last activity plus idle timeout, whichever is
/// first. A session is one string (<see cref="RedisSessionValue"/>): the scripts read and rewrite its header only.
/// </summary>
internal static class RedisSessionScripts
{
    private const string Common = """
        local function deadline(expires, idle, last)
          if idle > 0 and last + idle * 1000 < expires then return last + idle * 1000 end
          return expires
        end
        local function header(v)
          if not v then return nil end
          local state, reason, ended, expires, idle, last, request, body = string.match(v, '^(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|()')
          if not state then return nil end
          return { state = state, reason = reason, ended = ended, expires = tonumber(expires), idle = tonumber(idle),
                   last = tonumber(last), request = request, body = string.sub(v, body) }
        end
        local function encode(h)
          return table.concat({ h.state, h.reason, h.ended, string.format('%d', h.expires), h.idle, string.format('%d', h.last), h.request, h.body }, '|')
        end
        -- The value without its request bytes (text only, for JSON): what the outbox keeps of an ended session.
        local function unrequested(h)
          local body = string.sub(h.body, 1, #h.body - tonumber(h.request))
          return table.concat({ h.state, h.reason, h.ended, string.format('%d', h.expires), h.idle, string.format('%d', h.last), '0', body }, '|')
        end
        """;

    /// <summary>
    /// KEYS: session, principal index (sorted set), deadlines, all[, role set]. ARGV: id, deadline ('' for an ended session), value,
    /// time to live in ms (0: none). Adds a session unless its id is taken; returns 1 if added.
    /// </summary>
    public const string Add = """
        local ok
        if ARGV[4] ~= '0' then ok = redis.call('SET', KEYS[1], ARGV[3], 'NX', 'PX', ARGV[4])
        else ok = redis.call('SET', KEYS[1], ARGV[3], 'NX') end
        if not ok then return 0 end
        redis.call('ZADD', KEYS[2], 0, ARGV[1])
        if ARGV[2] ~= '' then redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1]) end
        redis.call('ZADD', KEYS[4], 0, ARGV[1])
        if #KEYS == 5 then redis.call('SADD', KEYS[5], ARGV[1]) end
        return 1
        """;

    /// <summary>KEYS: session, deadlines. ARGV: at, id. User activity on a running session moves its idle deadline; returns the session as it now is.</summary>
    public const string Touch = Common + """

        local v = redis.call('GET', KEYS[1])
        local h = header(v)
        if not h or h.state ~= '1' then return v end
        local at = tonumber(ARGV[1])
        if at >= deadline(h.expires, h.idle, h.last) or at <= h.last then return v end
        h.last = at
        v = encode(h)
        redis.call('SET', KEYS[1], v, 'KEEPTTL')
        redis.call('ZADD', KEYS[2], deadline(h.expires, h.idle, at), ARGV[2])
        return v
        """;

    /// <summary>KEYS: session, deadlines. ARGV: expires, idle, id. Cuts a running session's limits, never extends them.</summary>
    public const string Revise = Common + """

        local h = header(redis.call('GET', KEYS[1]))
        if not h or h.state ~= '1' then return 0 end
        h.expires = math.min(tonumber(ARGV[1]), h.expires)
        h.idle = tonumber(ARGV[2])
        redis.call('SET', KEYS[1], encode(h), 'KEEPTTL')
        redis.call('ZADD', KEYS[2], deadline(h.expires, h.idle, h.last), ARGV[3])
        return 1
        """;

    /// <summary>
    /// Ends sessions of one partition. KEYS: deadlines, outbox, target set (deadlines again when the ids are named),
    /// then one session key per id. ARGV: mode ('set': the ids are the target set's members as read, to be checked;
    /// 'ids'), reason, at, only-if-due, event id, ended retention (ms), the event as the outbox keeps it, then the ids
    /// in KEYS order. Ends the active sessions named and keeps the event in the outbox until it is in the log (with the
    /// sessions it ended, their requests left out).
    /// Returns {id, value, ...} of the sessions it ended (each with its own reason when only due ones end), {} when
    /// none, or {'stale'} when the set is no longer what was read.
    /// </summary>
    public const string End = Common + """

        local at, onlyDue, ttl = tonumber(ARGV[3]), ARGV[4] == '1', tonumber(ARGV[6])
        local first = 8
        if ARGV[1] == 'set' then
          local members
          if redis.call('TYPE', KEYS[3]).ok == 'zset' then members = redis.call('ZRANGE', KEYS[3], 0, -1)
          else members = redis.call('SMEMBERS', KEYS[3]) end
          table.sort(members)
          if #members ~= #ARGV - first + 1 then return { 'stale' } end
          for i, id in ipairs(members) do if ARGV[first + i - 1] ~= id then return { 'stale' } end end
        end
        local ended, pending = {}, {}
        for i = first, #ARGV do
          local id, key = ARGV[i], KEYS[i - first + 4]
          local h = header(redis.call('GET', key))
          if h and h.state == '1' then
            local due = deadline(h.expires, h.idle, h.last)
            local reason = ARGV[2]
            local go = true
            if onlyDue then
              if at < due then go = false elseif due < h.expires then reason = '2' else reason = '3' end
            end
            if go then
              h.state, h.reason, h.ended = '2', reason, ARGV[3]
              local v = encode(h)
              if ttl > 0 then redis.call('SET', key, v, 'PX', ttl) else redis.call('DEL', key) end
              redis.call('ZREM', KEYS[1], id)
              ended[#ended + 1] = id
              ended[#ended + 1] = v
              pending[#pending + 1] = id
              pending[#pending + 1] = unrequested(h)
            end
          elseif onlyDue then
            -- Ended or gone (its value expired): it has no deadline left.
            redis.call('ZREM', KEYS[1], id)
          end
        end
        if #ended > 0 then redis.call('HSET', KEYS[2], ARGV[5], cjson.encode({ e = ARGV[7], s = pending })) end
        return ended
        """;

    /// <summary>
    /// Puts one event in the log, once. KEYS: stream, log epoch, the event's appended marker. ARGV: event id, reason,
    /// actor, principal, role, at, detail, sessions JSON, max length, notify channel, a new epoch (used if the log has
    /// none), marker lifetime (ms), target ('principal' for a principal's sessions, else ''). Appends (trimmed to about max length), marks and announces it; an event already
    /// marked is not appended again. Returns {stream id, epoch, 'appended' | 'already'}.
    /// </summary>
    public const string Append = """
        local epoch = redis.call('GET', KEYS[2])
        if not epoch then
          epoch = ARGV[11]
          redis.call('SET', KEYS[2], epoch)
        end
        local sid = redis.call('GET', KEYS[3])
        if sid then return { sid, epoch, 'already' } end
        sid = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[9], '*',
          'id', ARGV[1], 'reason', ARGV[2], 'actor', ARGV[3], 'principal', ARGV[4], 'role', ARGV[5],
          'at', ARGV[6], 'detail', ARGV[7], 'sessions', ARGV[8], 'target', ARGV[13])
        redis.call('SET', KEYS[3], sid, 'PX', ARGV[12])
        redis.call('PUBLISH', ARGV[10], sid)
        return { sid, epoch, 'appended' }
        """;

    /// <summary>
    /// Claims a place among the replicas that sweep. KEYS: sweepers. ARGV: this replica, claim lifetime (ms). Renews the
    /// claim, drops lapsed ones, and returns the live replicas (Redis's clock, so replicas' clocks need not agree).
    /// </summary>
    public const string Sweepers = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        return redis.call('ZRANGE', KEYS[1], 0, -1)
        """;
}
