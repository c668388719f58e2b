using System.Text;
using Aspire.Deployer.Aws.Ecr;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

public sealed class EcrIntegrationTests
{
    [Fact]
    public async Task EcrOperations_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var ecr = session.Ecr;
        var name = MotoServer.UniqueName("node-app");

        var repository = (await ecr.CreateRepositoryAsync(new CreateRepositoryRequest
        {
            RepositoryName = name,
            ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true },
            ImageTagMutability = ImageTagMutability.Immutable,
            Tags = [new Tag { Key = "app", Value = "node-app" }],
        })).Repository!;
        Assert.Equal(name, repository.RepositoryName);
        Assert.EndsWith($".amazonaws.com/{name}", repository.RepositoryUri, StringComparison.Ordinal);

        var described = Assert.Single((await ecr.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = [name] })).Repositories!);
        Assert.Equal("IMMUTABLE", described.ImageTagMutability);
        Assert.True(described.ImageScanningConfiguration!.ScanOnPush);
        Assert.Contains(name, await ecr.DescribeRepositoriesItemsAsync(new DescribeRepositoriesRequest { MaxResults = 1 }).Select(r => r.RepositoryName).ToListAsync());

        var scanning = await ecr.PutImageScanningConfigurationAsync(new PutImageScanningConfigurationRequest { RepositoryName = name, ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = false } });
        Assert.False(scanning.ImageScanningConfiguration!.ScanOnPush);
        var mutability = await ecr.PutImageTagMutabilityAsync(new PutImageTagMutabilityRequest { RepositoryName = name, ImageTagMutability = ImageTagMutability.Mutable });
        Assert.Equal("MUTABLE", mutability.ImageTagMutability);

        await ecr.TagResourceAsync(new TagResourceRequest { ResourceArn = repository.RepositoryArn!, Tags = [new Tag { Key = "env", Value = "test" }] });
        var tags = await ecr.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = repository.RepositoryArn! });
        Assert.Contains(tags.Tags!, t => t.Key == "env" && t.Value == "test");

        Assert.Empty(await ecr.DescribeImagesItemsAsync(new DescribeImagesRequest { RepositoryName = name }).ToListAsync());

        var token = Assert.Single((await ecr.GetAuthorizationTokenAsync(new GetAuthorizationTokenRequest())).AuthorizationData!);
        Assert.StartsWith("AWS:", Encoding.UTF8.GetString(Convert.FromBase64String(token.AuthorizationToken!)), StringComparison.Ordinal);
        Assert.NotNull(token.ExpiresAt);
        Assert.False(string.IsNullOrEmpty(token.ProxyEndpoint));

        await ecr.DeleteRepositoryAsync(new DeleteRepositoryRequest { RepositoryName = name, Force = true });
        var gone = await Assert.ThrowsAsync<AwsApiException>(() => ecr.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = [name] }));
        Assert.Equal("RepositoryNotFoundException", gone.ErrorCode);
        Assert.Equal("ECR", gone.Service);
    }
}
