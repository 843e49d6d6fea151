namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// The Lua scripts that keep the Redis session store consistent: each runs atomically, so a session ends
/// once, and its ending and its event are recorded together. Times are Unix milliseconds from the
/// service's clock; a session's deadline is its absolute expiry or last activity plus idle timeout,
/// whichever is first.
/// </summary>
internal static class RedisSessionScripts
{
    private const string Deadline = """
        local function deadline(expires, idle, last)
          if idle > 0 and last + idle * 1000 < expires then return last + idle * 1000 end
          return expires
        end
        """;

    /// <summary>KEYS: session, principal set, deadlines, all[, role set]. ARGV: id, deadline, field/value pairs.</summary>
    public const string Add = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], unpack(ARGV, 3))
        redis.call('SADD', KEYS[2], ARGV[1])
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
        redis.call('ZADD', KEYS[4], 0, ARGV[1])
        if #KEYS == 5 then redis.call('SADD', KEYS[5], ARGV[1]) end
        return 1
        """;

    /// <summary>KEYS: session, deadlines. ARGV: at, id. User activity on a running session moves its idle deadline.</summary>
    public const string Touch = Deadline + """

        local h = redis.call('HMGET', KEYS[1], 'state', 'expires', 'idle', 'last')
        if h[1] ~= '1' then return 0 end
        local at, expires, idle, last = tonumber(ARGV[1]), tonumber(h[2]), tonumber(h[3]), tonumber(h[4])
        if at >= deadline(expires, idle, last) or at <= last then return 0 end
        redis.call('HSET', KEYS[1], 'last', at)
        redis.call('ZADD', KEYS[2], deadline(expires, idle, at), ARGV[2])
        return 1
        """;

    /// <summary>KEYS: session, deadlines. ARGV: expires, idle, id. Cuts a running session's limits, never extends them.</summary>
    public const string Revise = Deadline + """

        local h = redis.call('HMGET', KEYS[1], 'state', 'expires', 'last')
        if h[1] ~= '1' then return 0 end
        local expires = math.min(tonumber(ARGV[1]), tonumber(h[2]))
        local idle = tonumber(ARGV[2])
        redis.call('HSET', KEYS[1], 'expires', expires, 'idle', idle)
        redis.call('ZADD', KEYS[2], deadline(expires, idle, tonumber(h[3])), ARGV[3])
        return 1
        """;

    /// <summary>
    /// KEYS: deadlines, stream, log epoch, target set (deadlines again when the ids are named), then one session
    /// key per id. ARGV: mode ('set': the ids are the target set's members as read, to be checked; 'ids'), reason,
    /// actor, detail, at, only-if-due, event id, principal, role, max length, ended retention (ms), notify
    /// channel, a new epoch (used if the log has none), then the ids in KEYS order. Ends the active sessions
    /// named, appends one event for them (trimmed to about max length) and announces it. Returns {stream id,
    /// reason, sessions JSON, epoch}, {} when nothing ended, or {'stale'} when the set is no longer what was read.
    /// </summary>
    public const string End = Deadline + """

        local reason = tonumber(ARGV[2])
        local at, onlyDue = tonumber(ARGV[5]), ARGV[6] == '1'
        local ttl = tonumber(ARGV[11])
        local first = 14
        if ARGV[1] == 'set' then
          local members = redis.call('SMEMBERS', KEYS[4])
          table.sort(members)
          if #members ~= #ARGV - first + 1 then return { 'stale' } end
          for i, id in ipairs(members) do if ARGV[first + i - 1] ~= id then return { 'stale' } end end
        end
        local ended = {}
        for i = first, #ARGV do
          local id, key = ARGV[i], KEYS[i - first + 5]
          local h = redis.call('HMGET', key, 'state', 'expires', 'idle', 'last', 'principal', 'role', 'aud')
          if h[1] == '1' then
            local expires = tonumber(h[2])
            local due = deadline(expires, tonumber(h[3]), tonumber(h[4]))
            local go = true
            if onlyDue then
              if at < due then go = false elseif due < expires then reason = 2 else reason = 3 end
            end
            if go then
              redis.call('HSET', key, 'state', '2', 'reason', reason, 'ended', at)
              redis.call('ZREM', KEYS[1], id)
              if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('DEL', key) end
              ended[#ended + 1] = { id = id, principal = h[5], role = h[6], aud = cjson.decode(h[7]) }
            end
          elseif onlyDue then
            -- Ended or gone (its hash expired): it has no deadline left.
            redis.call('ZREM', KEYS[1], id)
          end
        end
        if #ended == 0 then return {} end
        local principal = ARGV[8]
        if principal == '' then
          principal = ended[1].principal
          for _, s in ipairs(ended) do if s.principal ~= principal then principal = '' end end
        end
        local epoch = redis.call('GET', KEYS[3])
        if not epoch then
          epoch = ARGV[13]
          redis.call('SET', KEYS[3], epoch)
        end
        local sessions = cjson.encode(ended)
        local sid = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[10], '*',
          'id', ARGV[7], 'reason', reason, 'actor', ARGV[3], 'principal', principal, 'role', ARGV[9],
          'at', at, 'detail', ARGV[4], 'sessions', sessions)
        redis.call('PUBLISH', ARGV[12], sid)
        return { sid, tostring(reason), sessions, epoch }
        """;
}
