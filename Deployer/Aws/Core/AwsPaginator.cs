using System.Runtime.CompilerServices;

namespace Aspire.Deployer.Aws;

/// <summary>Follows AWS continuation tokens (nextToken, NextMarker, Marker) as async sequences.</summary>
public static class AwsPaginator
{
    /// <summary>Every page, starting with <paramref name="first"/>, until the response carries no token.</summary>
    /// <typeparam name="TRequest">The request record.</typeparam>
    /// <typeparam name="TResponse">The response record.</typeparam>
    /// <param name="first">The first request.</param>
    /// <param name="send">Sends one request.</param>
    /// <param name="withToken">The request for the next page, given the token.</param>
    /// <param name="nextToken">The token in a response, or null on the last page.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The pages.</returns>
    /// <exception cref="AwsApiException">A call failed, or the service returned the same token twice.</exception>
    public static IAsyncEnumerable<TResponse> PagesAsync<TRequest, TResponse>(
        TRequest first,
        Func<TRequest, CancellationToken, Task<TResponse>> send,
        Func<TRequest, string?, TRequest> withToken,
        Func<TResponse, string?> nextToken,
        CancellationToken cancellationToken = default)
        where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(withToken);
        ArgumentNullException.ThrowIfNull(nextToken);
        return PagesAsync(first, send, (q, r) => withToken(q, nextToken(r)), nextToken, cancellationToken);
    }

    /// <summary>
    /// Every page, starting with <paramref name="first"/>, while <paramref name="continuation"/> gives a value; for
    /// operations whose next request takes several members of the last response (Route 53's record name, type and
    /// identifier).
    /// </summary>
    /// <typeparam name="TRequest">The request record.</typeparam>
    /// <typeparam name="TResponse">The response record.</typeparam>
    /// <param name="first">The first request.</param>
    /// <param name="send">Sends one request.</param>
    /// <param name="next">The request for the next page, given the last request and its response.</param>
    /// <param name="continuation">What identifies the next page (to detect a loop), or null on the last page.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The pages.</returns>
    /// <exception cref="AwsApiException">A call failed, or the service pointed at the same page twice.</exception>
    public static async IAsyncEnumerable<TResponse> PagesAsync<TRequest, TResponse>(
        TRequest first,
        Func<TRequest, CancellationToken, Task<TResponse>> send,
        Func<TRequest, TResponse, TRequest> next,
        Func<TResponse, string?> continuation,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(continuation);
        var nextToken = continuation;
        var request = first;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await send(request, cancellationToken).ConfigureAwait(false);
            yield return page;
            var token = nextToken(page);
            if (string.IsNullOrEmpty(token))
            {
                yield break;
            }

            if (!seen.Add(token))
            {
                var operation = AwsServiceInvoker.OperationOf(first.GetType());
                throw new AwsApiException(AwsService.FromModelName(operation.Model).DisplayName, operation.Operation, "PaginationLoop",
                    $"the service returned the continuation token '{token}' twice; stopping instead of looping forever.");
            }

            request = next(request, page);
        }
    }

    /// <summary>Every item of every page.</summary>
    /// <typeparam name="TResponse">The response record.</typeparam>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="pages">The pages.</param>
    /// <param name="items">The items of one page (null counts as none).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The items.</returns>
    public static async IAsyncEnumerable<TItem> ItemsAsync<TResponse, TItem>(
        IAsyncEnumerable<TResponse> pages,
        Func<TResponse, IReadOnlyList<TItem>?> items,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(items);
        await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in items(page) ?? [])
            {
                yield return item;
            }
        }
    }
}
