/**
 * The explorer's two languages. Every label the pages show is here, in 中文 and English; verification details
 * (what failed) come from the libraries in English and are shown as they are.
 */
import { signal } from './state.ts';

export type Lang = 'zh' | 'en';

const LANG_KEY = 'did-city-explorer/lang';

export const lang = signal<Lang>(
  (localStorage.getItem(LANG_KEY) as Lang | null) ?? (navigator.language.startsWith('zh') ? 'zh' : 'en'),
);

export function setLang(next: Lang): void {
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  lang.set(next);
}

const STRINGS = {
  title: ['did:city 浏览器', 'did:city explorer'],
  cities: ['城市', 'Cities'],
  ledger: ['账本', 'Ledger'],
  credential: ['凭证核验', 'Check a credential'],
  console: ['机构控制台', 'Institute console'],
  apply: ['城市申请', 'City application'],
  search: ['按名称或代码搜索', 'Search by name or code'],
  allLevels: ['全部级别', 'All levels'],
  province: ['省级', 'Province'],
  city: ['地级', 'Prefecture'],
  county: ['县级', 'County'],
  code: ['区划代码', 'Division code'],
  name: ['名称', 'Name'],
  level: ['级别', 'Level'],
  loading: ['加载中…', 'Loading…'],
  verifying: ['正在浏览器中验证…', 'Verifying in this browser…'],
  verified: ['已验证', 'verified'],
  failed: ['验证失败', 'FAILED'],
  allVerified: ['全部条目已在浏览器中验证', 'Every entry verified in this browser'],
  notVerified: ['验证失败：不可信', 'Verification failed: do not trust this page'],
  checkpoint: ['检查点', 'Checkpoint'],
  treeSize: ['树大小', 'Tree size'],
  rootHash: ['根哈希', 'Root hash'],
  witnesses: ['见证人联署', 'Witness cosignatures'],
  witness: ['见证人', 'Witness'],
  time: ['时间', 'Time'],
  logSignature: ['日志签名', 'Log signature'],
  quorum: ['法定人数', 'Quorum'],
  recent: ['最近锚定', 'Recent anchoring'],
  leaf: ['叶', 'Leaf'],
  operation: ['操作', 'Operation'],
  did: ['DID', 'DID'],
  document: ['当前文档', 'Current document'],
  versions: ['版本', 'Versions'],
  version: ['版本', 'Version'],
  changes: ['变更', 'What changed'],
  services: ['服务', 'Services'],
  keys: ['密钥', 'Keys'],
  updateKeys: ['更新密钥', 'Update keys'],
  successors: ['后继', 'Successors'],
  deactivated: ['已停用', 'Deactivated'],
  inclusion: ['包含证明', 'Inclusion proof'],
  chain: ['操作链', 'Operation chain'],
  head: ['索引头', 'Index head'],
  parent: ['上级', 'Parent'],
  trustPolicy: ['信任策略', 'Trust policy'],
  policyChanged: [
    '节点提供的信任策略与本浏览器固定的不同',
    'The node serves a trust policy other than the one pinned in this browser',
  ],
  pinServed: ['改为信任节点的策略', 'Trust the node’s policy instead'],
  policyPinned: ['首次使用时已固定于本浏览器', 'pinned in this browser on first use'],
  noCities: ['没有匹配的城市', 'No matching city'],
  registered: ['已登记城市', 'Registered cities'],
  logIndexed: ['日志全部条目已按检查点根哈希核对', 'Every log entry checked against the checkpoint root'],
  paste: ['粘贴凭证（JWT、vc+jwt 或 Data Integrity JSON）', 'Paste a credential (JWT, vc+jwt or Data Integrity JSON)'],
  check: ['核验', 'Check'],
  format: ['格式', 'Format'],
  verifiedByNode: [
    '签发者与主体在浏览器中读取；签名与状态由本节点的 VC API 核验器检查。',
    'Issuer and subject are read in this browser; the signature and status are checked by this node’s VC API verifier.',
  ],
  issuer: ['签发者', 'Issuer'],
  subject: ['主体', 'Subject'],
  verifies: ['是否有效', 'Verifies'],
  status: ['状态', 'Status'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  revoked: ['已撤销', 'revoked'],
  active: ['有效', 'active'],
  open: ['打开', 'Open'],
  none: ['无', 'none'],
  language: ['English', '中文'],
  token: ['机构令牌', 'Institute token'],
  signIn: ['登录', 'Sign in'],
  signOut: ['退出', 'Sign out'],
  refresh: ['刷新', 'Refresh'],
  keyFile: ['机构密钥文件', 'Institute key file'],
  keyStays: [
    '密钥只在本页内存中使用，从不上传；签名在浏览器中完成。',
    'The key stays in this page’s memory and is never uploaded: signatures are made in the browser.',
  ],
  signingAs: ['签名密钥', 'Signing as'],
  pendingApplications: ['待审申请', 'Pending applications'],
  approvals: ['批准', 'Approvals'],
  objections: ['异议', 'Objections'],
  approve: ['批准', 'Approve'],
  approved: ['已批准', 'Approved'],
  reject: ['反对', 'Object (reject)'],
  reason: ['理由', 'Reason'],
  divisionCode: ['行政区划代码（六位）', 'Division code (six digits)'],
  organisation: ['机构名称', 'Organisation'],
  email: ['电子邮件', 'Email'],
  generateKey: ['在浏览器中生成密钥', 'Generate a key in this browser'],
  downloadKey: ['下载密钥文件', 'Download the key file'],
  downloadFirst: [
    '请先下载并妥善保存密钥文件：它是控制该 DID 的唯一凭据。',
    'Download and keep the key file first: it is the only way to control the DID.',
  ],
  submit: ['提交申请', 'Apply'],
  applicationStatus: ['申请状态', 'Application status'],
  anchoredAs: ['已锚定：', 'Anchored:'],
  unknownCode: ['未知的区划代码', 'Unknown division code'],
} as const satisfies Record<string, readonly [string, string]>;

export type Key = keyof typeof STRINGS;

export function t(key: Key): string {
  return STRINGS[key][lang.get() === 'zh' ? 0 : 1];
}
