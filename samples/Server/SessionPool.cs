using System;
using System.Collections.Concurrent;
using System.Threading;

namespace Codegen.Server;

/// <summary>
/// At most <see cref="Capacity"/> requests are served at once, each on a session of its own (a KV cache each;
/// sessions are opened when first needed and reused). A request that finds every session busy is refused at
/// once (HTTP 429) rather than queued behind long answers.
/// </summary>
public sealed class SessionPool : IDisposable
{
    private readonly Func<IInferenceSession> openSession;
    private readonly ConcurrentBag<IInferenceSession> idle = new();
    private int inUse;

    public SessionPool(Func<IInferenceSession> openSession, int capacity)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The server needs at least one session.");
        }

        this.openSession = openSession;
        Capacity = capacity;
    }

    /// <summary>Requests served at once.</summary>
    public int Capacity { get; }

    /// <summary>Sessions serving a request now.</summary>
    public int InUse => Volatile.Read(ref inUse);

    /// <summary>A session for one request, or null when all <see cref="Capacity"/> are busy. Dispose the lease to give it back.</summary>
    public Lease? TryRent()
    {
        if (Interlocked.Increment(ref inUse) > Capacity)
        {
            Interlocked.Decrement(ref inUse);
            return null;
        }

        try
        {
            return new Lease(this, idle.TryTake(out IInferenceSession? session) ? session : openSession());
        }
        catch
        {
            Interlocked.Decrement(ref inUse);
            throw;
        }
    }

    public void Dispose()
    {
        while (idle.TryTake(out IInferenceSession? session))
        {
            session.Dispose();
        }
    }

    private void Return(IInferenceSession session)
    {
        idle.Add(session);
        Interlocked.Decrement(ref inUse);
    }

    /// <summary>One request's session; disposing gives it back to the pool.</summary>
    public sealed class Lease : IDisposable
    {
        private SessionPool? pool;

        internal Lease(SessionPool pool, IInferenceSession session)
        {
            this.pool = pool;
            Session = session;
        }

        public IInferenceSession Session { get; }

        public void Dispose() => Interlocked.Exchange(ref pool, null)?.Return(Session);
    }
}
