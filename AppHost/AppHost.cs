// The one application model: run locally with `dotnet run --project AppHost`.
var builder = DistributedApplication.CreateBuilder(args);

builder.AddNodeApp("node-app", "../node-app", "src/server.js")
    .WithHttpEndpoint(port: 4000, env: "PORT", isProxied: false)
    .WithExternalHttpEndpoints()
    .WithServiceDefaults()
    .PublishAsDockerFile();

builder.Build().Run();
