using System.Diagnostics;
using System.Globalization;
using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Engine;

/// <summary>How long a retry of a refused call may go on, and how it backs off.</summary>
/// <param name="Timeout">The most time spent retrying.</param>
/// <param name="BaseDelay">The first delay; it doubles up to <paramref name="MaxDelay"/>.</param>
/// <param name="MaxDelay">The longest delay.</param>
public sealed record RetryBudget(TimeSpan Timeout, TimeSpan BaseDelay, TimeSpan MaxDelay);

/// <summary>
/// The crash-safety and retry rules every kind uses, written once: a create that an interrupted run (or a lost
/// answer) already carried out is found instead of made twice; a create AWS would repeat is sent once per attempt
/// and looked up between attempts; a delete of something already gone counts as done; a call AWS refuses for a
/// while (a dependency still going away) is retried with backoff inside a bound; every wait is bounded and says
/// what it waits for.
/// </summary>
public static class Converge
{
    /// <summary>Creates a resource, or finds the one an earlier attempt made: AWS refuses the create with one of
    /// <paramref name="alreadyExists"/> after an interrupted run or a retry whose first answer was lost.</summary>
    /// <typeparam name="T">What the caller needs of the resource.</typeparam>
    /// <param name="alreadyExists">The error codes meaning "it exists".</param>
    /// <param name="create">Makes it.</param>
    /// <param name="find">Finds the existing one.</param>
    public static async Task<T> CreateOrFindAsync<T>(string[] alreadyExists, Func<Task<T>> create, Func<Task<T>> find)
    {
        ArgumentNullException.ThrowIfNull(alreadyExists);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(find);
        try
        {
            return await create().ConfigureAwait(false);
        }
        catch (AwsApiException e) when (alreadyExists.Contains(e.ErrorCode))
        {
            return await find().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// For creates AWS does not refuse when repeated (RegisterTaskDefinition makes a new revision each time; moto also
    /// repeats CreateLoadBalancer and CreateListener): each attempt is sent once, and after a failure that may hide a
    /// success (a 5xx, a timeout, a dropped connection) AWS is asked for the resource before trying again, so an
    /// answer lost on its way back never makes a second one.
    /// </summary>
    /// <typeparam name="T">What the caller needs of the resource.</typeparam>
    /// <param name="session">The session (its retry settings bound the attempts).</param>
    /// <param name="create">Makes it (one attempt).</param>
    /// <param name="find">Finds what an earlier attempt made, or null.</param>
    /// <param name="cancellationToken">Cancels the waits.</param>
    public static async Task<T> CreateOnceAsync<T>(AwsSession session, Func<Task<T>> create, Func<Task<T?>> find, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(find);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using (AwsAttemptScope.SingleAttempt())
                {
                    return await create().ConfigureAwait(false);
                }
            }
            catch (AwsApiException e) when (e.IsTransient && attempt < Math.Max(1, session.Retry.MaxAttempts))
            {
                if (await find().ConfigureAwait(false) is { } made)
                {
                    return made;
                }

                var delay = AwsRetryPolicy.Backoff(session.Retry, attempt);
                session.Options.OnRetry?.Invoke(new AwsRetryEvent(e.Service, e.Operation, attempt, delay, e));
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs a mutating call; an answer with one of <paramref name="doneCodes"/> counts as success: a delete of
    /// something already gone, a create of something an interrupted run already made.</summary>
    /// <param name="call">The call.</param>
    /// <param name="doneCodes">The error codes meaning "already as wanted".</param>
    public static async Task TolerateAsync(Func<Task> call, params string[] doneCodes)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (AwsApiException e) when (doneCodes.Contains(e.ErrorCode))
        {
            // already as the caller wants it
        }
    }

    /// <summary>Runs a call AWS refuses for a while (its dependencies are still going away, a role is not yet
    /// usable), retrying with exponential backoff while <paramref name="refusedForNow"/> holds and the budget lasts.</summary>
    /// <param name="what">What is refused, for the progress line of each retry (e.g. "ECS cluster x is still in use").</param>
    /// <param name="call">The call.</param>
    /// <param name="refusedForNow">True for a refusal worth waiting out.</param>
    /// <param name="budget">How long and how to back off.</param>
    /// <param name="onRetry">Told each retry ("{what} ({code}); retrying in 2 s (attempt 1)").</param>
    /// <param name="cancellationToken">Cancels the waits.</param>
    public static async Task RetryWhileAsync(
        string what, Func<Task> call, Func<AwsApiException, bool> refusedForNow, RetryBudget budget, Action<string>? onRetry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(refusedForNow);
        ArgumentNullException.ThrowIfNull(budget);
        var clock = Stopwatch.StartNew();
        var delay = budget.BaseDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call().ConfigureAwait(false);
                return;
            }
            catch (AwsApiException e) when (refusedForNow(e) && clock.Elapsed + delay < budget.Timeout)
            {
                onRetry?.Invoke(string.Create(CultureInfo.InvariantCulture,
                    $"{what} ({e.ErrorCode}); retrying in {delay.TotalSeconds:0.#} s (attempt {attempt})"));
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, budget.MaxDelay.Ticks));
            }
        }
    }

    /// <summary>Polls until <paramref name="done"/> holds; after <paramref name="timeout"/> throws what <paramref name="timedOut"/> makes.</summary>
    /// <param name="done">True when the wait is over.</param>
    /// <param name="timeout">The bound.</param>
    /// <param name="poll">Time between polls.</param>
    /// <param name="timedOut">The exception that says what was waited for and what to do.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan timeout, TimeSpan poll, Func<Exception> timedOut, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(timedOut);
        var clock = Stopwatch.StartNew();
        while (!await done().ConfigureAwait(false))
        {
            if (clock.Elapsed >= timeout)
            {
                throw timedOut();
            }

            await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
        }
    }
}
