// A beacon: an HTTPS server on 127.0.0.1 that records every request, standing in for a remote
// image that would carry a draft's text in its URL. HTTPS because the workbench's CSP allows
// images from https: (the browser in the integration run accepts this self-signed certificate,
// made for these tests only and trusted nowhere else). Plain node:https, no vscode.
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

const KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC5AV76EcBa6kgJ
kvAdKAA8gTFgCvm0I7ONnzGPQdCN932rFWjgewE9HQ957f7JZ2HZcsc/yUEN56Bh
ax1yaXL60zIbb59brj8ziymLX3cqrZv7MtADQGCtJIPCVYXXeDIBHvou8JPVeQHM
WiQayY6GJ1W3iuIWsCBt89NA4fZEGnjiZWhYQlFazL2ktsCKpI+b31Wjm9L83ZDx
pbvCXJtRFNUMvNuiy0p6WUIY45NU+gTC/cf1hPayCB2s916tsapNospRBS7rblFP
vLAd3mPdXImTgd2ZnA73hpk9/pSZ9TwLR0dska4+j5z1liVrGAIfju7RpOarFCFL
wPKFbBlrAgMBAAECggEADjE0O4PMGU1arF1YzSvJ5NpWUtNUt4R7nDQnpaE7YgCn
4813J61X+Xu2ubhPsNyc7YT4EwUZ1/q6W27Pqfy75ND5yZAFDg/uakJVNAtlRWFf
E2Sg/3bbU7z23JwZ8d8XGu3o7FvpQ1mOkUIi/ekTZWg0E6n0USA+xKCNRq9u6Gdr
tid//CNvtIdRbDx3FTjbBSIX/xsvLS+HpgrU10kSknMI9Vzbxsss9XAIe8DyKTCo
EqxgLjh05p3BysWoj1M5dAJLQQAGJTsAmJtjOFyaLOQlnlqi7Ijttpcys5O0Gp0L
lhnocwWrN+HYH+TQFUPCjotOxngCJj6xN7HUsQHKtQKBgQD8tPRsnDPdl70OJQbZ
usj/4wtpzPWUIPjkBvQN1972j0cGBSBnKErO9CKfanvMsm6/y+dTARoxlrvk33lp
/xbv6NSgVRkVwT8ca17cklIU4K655IgZr2dv/xn1wmEGlTA8LdVEkTF1SkrUDCk8
x9fVzOfQAfZqo1xDZDaO9ydXPwKBgQC7ao9ZmTSs8mPiVu5wxR3fT3f6i03cDjEQ
VZN23ZZFR/JzRvcCTuq20JUYkmCmxxAbKyfuCZfAZJBBbqF0noZSDAOKSL8NXSXS
Gg/6gvokFloFohR1ab33Ao/cPp5CKEDNFyNP03OpYf97gFr17IHK5cR1nZziuQeO
9Xb3/uD+1QKBgQDF5gQARjdL0rfIKvD5c5BS7AAVI+Ax17xx/owDh0lhdwTczwj4
IBKtjXzLsP0waY/XfZwzYYqcyPluHCAeBRl2WbShtuLFKaf93ovUWnYTSX0rsK9w
xe9QQsuWrVmEaTLz/cSlRLshqkN9WeS1Z588HJJxUAgkrLflQsaDIURaywKBgAeM
s1mYolaVLRDhD5nbVui3+s1M70X+DFvsFpSjOHpx+4JJSYn+Q9Y5cMgcnWgafLub
cXBVUpeddXItUrOv7xk/AqV/aLLRHcTo59vfitQJUncHoGtaZxycLc9hdl6T4Ihi
djmw+ufH2tLOyNs/O7tApjlWsAsyCOvpV3GGAupBAoGAUinO1xdYcIYc4RDogT7j
TkTP/wACX8bo0IXZoIcPNQhDqtYemrM64mq/pzNd+NjAF87DHpNkIe/CeOhrIEao
n7SKT6FcoUgGZe+SYg0fCMDQBRzV9JKzO+LBSmaRPdmjhRxp9jdyzkk5pZsp7LVc
zU3ZyJ2E78J8RLh4sQqTUZY=
-----END PRIVATE KEY-----`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIDGjCCAgKgAwIBAgIUYYM35StOYiiNbWZXTeVVl+Gc1nkwDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJMTI3LjAuMC4xMB4XDTI2MTIwMTE2MzQxMloXDTQ2MTEy
NjE2MzQxMlowFDESMBAGA1UEAwwJMTI3LjAuMC4xMIIBIjANBgkqhkiG9w0BAQEF
AAOCAQ8AMIIBCgKCAQEAuQFe+hHAWupICZLwHSgAPIExYAr5tCOzjZ8xj0HQjfd9
qxVo4HsBPR0Pee3+yWdh2XLHP8lBDeegYWsdcmly+tMyG2+fW64/M4spi193Kq2b
+zLQA0BgrSSDwlWF13gyAR76LvCT1XkBzFokGsmOhidVt4riFrAgbfPTQOH2RBp4
4mVoWEJRWsy9pLbAiqSPm99Vo5vS/N2Q8aW7wlybURTVDLzbostKellCGOOTVPoE
wv3H9YT2sggdrPderbGqTaLKUQUu625RT7ywHd5j3VyJk4HdmZwO94aZPf6UmfU8
C0dHbJGuPo+c9ZYlaxgCH47u0aTmqxQhS8DyhWwZawIDAQABo2QwYjAdBgNVHQ4E
FgQUAGd6XVi1Dq6NGrpGnabW7Zxr5iMwHwYDVR0jBBgwFoAUAGd6XVi1Dq6NGrpG
nabW7Zxr5iMwDwYDVR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMA0GCSqG
SIb3DQEBCwUAA4IBAQCDedc77xrho32h8sYM+EDzcFjRz8IP5/tsWugJ4QrNzrYZ
2jTb+SYONo6NNcyEj78mqMEdiBzU7/Vvq3VbSbzPyaD9f2wuyHj8tFIfeEnzUEnB
cg69VxJDSKiYMpphgg2+oR+G8SUMimL1CwwElb7oInnALaPWttKggkitVukrOE0q
7ma0+fGT64cXMOWWzzxyimDAT6IGIiKm5cW5yfGeSCsPcX6VahqXrP8nq/2+/UCl
dE7Aqi2g74ixNKHVudk5/9wpRvtgmZpqce2jDirdZHmm0lfIaCIi6JAfuiZWSFet
Rrj1YBXfMvHPGPzNMNibPTE6ta+ycxSQL3jh9hv0
-----END CERTIFICATE-----`;

export interface Beacon {
  /** e.g. `https://127.0.0.1:41234` */
  url: string;
  /** Paths with query of every request received. */
  hits: string[];
  close(): Promise<void>;
}

export async function startBeacon(): Promise<Beacon> {
  const hits: string[] = [];
  const server = https.createServer({ key: KEY, cert: CERT }, (req, res) => {
    hits.push(req.url ?? '');
    // A 1×1 transparent GIF, as a tracking pixel would answer.
    res.writeHead(200, { 'content-type': 'image/gif', 'access-control-allow-origin': '*' }).end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
