/**
 * Places of the generated ledgers: China's urban clusters (城市群 / 都市圈) as coordination bodies, with their core
 * cities by name. A large run pads each cluster with county-level cities named after it, so that 700 cities in 40
 * bodies stay plausible without a gazetteer.
 */
import type { AdministrativeLevel } from '../../../domain/src/governance/events.js';

export interface Place {
  id: string;
  name: string;
  level: AdministrativeLevel;
}

export interface Cluster {
  id: string;
  /** Chinese and English, as the body is named. */
  name: string;
  zh: string;
  en: string;
  cities: readonly Place[];
}

const M: AdministrativeLevel = 'municipality';
const S: AdministrativeLevel = 'sub_provincial';
const P: AdministrativeLevel = 'provincial_capital';
const F: AdministrativeLevel = 'prefecture_level';
const C: AdministrativeLevel = 'county_level';

type Row = readonly [id: string, zh: string, en: string, level: AdministrativeLevel];
const place = ([id, zh, en, level]: Row): Place => ({ id, name: `${zh} ${en}`, level });
const cluster = (id: string, zh: string, en: string, rows: readonly Row[]): Cluster => ({ id, name: `${zh} ${en}`, zh, en, cities: rows.map(place) });

/** The demo's cluster: the Yangtze River Delta, core cities first. */
export const YANGTZE_RIVER_DELTA: Cluster = cluster('yrd', '长三角', 'Yangtze River Delta', [
  ['shanghai', '上海', 'Shanghai', M],
  ['nanjing', '南京', 'Nanjing', S],
  ['hangzhou', '杭州', 'Hangzhou', S],
  ['hefei', '合肥', 'Hefei', P],
  ['suzhou', '苏州', 'Suzhou', F],
  ['ningbo', '宁波', 'Ningbo', S],
  ['wuxi', '无锡', 'Wuxi', F],
  ['changzhou', '常州', 'Changzhou', F],
  ['jiaxing', '嘉兴', 'Jiaxing', F],
  ['huzhou', '湖州', 'Huzhou', F],
  ['shaoxing', '绍兴', 'Shaoxing', F],
  ['nantong', '南通', 'Nantong', F],
  ['zhenjiang', '镇江', 'Zhenjiang', F],
  ['yangzhou', '扬州', 'Yangzhou', F],
  ['wuhu', '芜湖', 'Wuhu', F],
  ['zhoushan', '舟山', 'Zhoushan', F],
  ['taizhou-zj', '台州', 'Taizhou', F],
  ['maanshan', '马鞍山', "Ma'anshan", F],
  ['kunshan', '昆山', 'Kunshan', C],
  ['yiwu', '义乌', 'Yiwu', C],
]);

/** Forty clusters for the large run; the first is the Yangtze River Delta. */
export const CLUSTERS: readonly Cluster[] = [
  YANGTZE_RIVER_DELTA,
  cluster('jjj', '京津冀', 'Beijing-Tianjin-Hebei', [['beijing', '北京', 'Beijing', M], ['tianjin', '天津', 'Tianjin', M], ['shijiazhuang', '石家庄', 'Shijiazhuang', P], ['baoding', '保定', 'Baoding', F], ['tangshan', '唐山', 'Tangshan', F], ['langfang', '廊坊', 'Langfang', F]]),
  cluster('gba', '粤港澳大湾区', 'Greater Bay Area', [['guangzhou', '广州', 'Guangzhou', S], ['shenzhen', '深圳', 'Shenzhen', S], ['dongguan', '东莞', 'Dongguan', F], ['huizhou', '惠州', 'Huizhou', F]]),
  cluster('chengyu', '成渝', 'Chengdu-Chongqing', [['chongqing', '重庆', 'Chongqing', M], ['chengdu', '成都', 'Chengdu', S], ['mianyang', '绵阳', 'Mianyang', F], ['deyang', '德阳', 'Deyang', F], ['leshan', '乐山', 'Leshan', F]]),
  cluster('myr', '长江中游', 'Middle Yangtze River', [['wuhan', '武汉', 'Wuhan', S], ['yichang', '宜昌', 'Yichang', F], ['jingzhou', '荆州', 'Jingzhou', F], ['xiangyang', '襄阳', 'Xiangyang', F]]),
  cluster('changzhutan', '长株潭', 'Changsha-Zhuzhou-Xiangtan', [['changsha', '长沙', 'Changsha', P], ['zhuzhou', '株洲', 'Zhuzhou', F], ['xiangtan', '湘潭', 'Xiangtan', F], ['yueyang', '岳阳', 'Yueyang', F]]),
  cluster('poyang', '环鄱阳湖', 'Poyang Lake', [['nanchang', '南昌', 'Nanchang', P], ['jiujiang', '九江', 'Jiujiang', F], ['jingdezhen', '景德镇', 'Jingdezhen', F], ['shangrao', '上饶', 'Shangrao', F]]),
  cluster('shandong', '山东半岛', 'Shandong Peninsula', [['jinan', '济南', 'Jinan', S], ['qingdao', '青岛', 'Qingdao', S], ['yantai', '烟台', 'Yantai', F], ['weifang', '潍坊', 'Weifang', F], ['zibo', '淄博', 'Zibo', F]]),
  cluster('west-strait', '海峡西岸', 'West Coast of the Strait', [['fuzhou', '福州', 'Fuzhou', P], ['xiamen', '厦门', 'Xiamen', S], ['quanzhou', '泉州', 'Quanzhou', F], ['zhangzhou', '漳州', 'Zhangzhou', F]]),
  cluster('central-plains', '中原', 'Central Plains', [['zhengzhou', '郑州', 'Zhengzhou', P], ['luoyang', '洛阳', 'Luoyang', F], ['kaifeng', '开封', 'Kaifeng', F], ['xinxiang', '新乡', 'Xinxiang', F]]),
  cluster('guanzhong', '关中平原', 'Guanzhong Plain', [['xian', '西安', "Xi'an", S], ['xianyang', '咸阳', 'Xianyang', F], ['baoji', '宝鸡', 'Baoji', F], ['weinan', '渭南', 'Weinan', F]]),
  cluster('beibu-gulf', '北部湾', 'Beibu Gulf', [['nanning', '南宁', 'Nanning', P], ['beihai', '北海', 'Beihai', F], ['qinzhou', '钦州', 'Qinzhou', F], ['zhanjiang', '湛江', 'Zhanjiang', F]]),
  cluster('harbin-changchun', '哈长', 'Harbin-Changchun', [['harbin', '哈尔滨', 'Harbin', S], ['changchun', '长春', 'Changchun', S], ['jilin', '吉林', 'Jilin', F], ['daqing', '大庆', 'Daqing', F]]),
  cluster('liaoning-central', '辽中南', 'Central-Southern Liaoning', [['shenyang', '沈阳', 'Shenyang', S], ['dalian', '大连', 'Dalian', S], ['anshan', '鞍山', 'Anshan', F], ['fushun', '抚顺', 'Fushun', F]]),
  cluster('shanxi-central', '山西中部', 'Central Shanxi', [['taiyuan', '太原', 'Taiyuan', P], ['jinzhong', '晋中', 'Jinzhong', F], ['yangquan', '阳泉', 'Yangquan', F], ['luliang', '吕梁', 'Lüliang', F]]),
  cluster('qianzhong', '黔中', 'Central Guizhou', [['guiyang', '贵阳', 'Guiyang', P], ['zunyi', '遵义', 'Zunyi', F], ['anshun', '安顺', 'Anshun', F], ['bijie', '毕节', 'Bijie', F]]),
  cluster('dianzhong', '滇中', 'Central Yunnan', [['kunming', '昆明', 'Kunming', P], ['qujing', '曲靖', 'Qujing', F], ['yuxi', '玉溪', 'Yuxi', F], ['chuxiong', '楚雄', 'Chuxiong', C]]),
  cluster('lanxi', '兰州-西宁', 'Lanzhou-Xining', [['lanzhou', '兰州', 'Lanzhou', P], ['xining', '西宁', 'Xining', P], ['baiyin', '白银', 'Baiyin', F], ['dingxi', '定西', 'Dingxi', F]]),
  cluster('ningxia-yellow', '宁夏沿黄', 'Ningxia Yellow River', [['yinchuan', '银川', 'Yinchuan', P], ['shizuishan', '石嘴山', 'Shizuishan', F], ['wuzhong', '吴忠', 'Wuzhong', F], ['zhongwei', '中卫', 'Zhongwei', F]]),
  cluster('hubaoeyu', '呼包鄂榆', 'Hohhot-Baotou-Ordos-Yulin', [['hohhot', '呼和浩特', 'Hohhot', P], ['baotou', '包头', 'Baotou', F], ['ordos', '鄂尔多斯', 'Ordos', F], ['yulin-sn', '榆林', 'Yulin', F]]),
  cluster('tianshan-north', '天山北坡', 'Northern Slope of Tianshan', [['urumqi', '乌鲁木齐', 'Ürümqi', P], ['changji', '昌吉', 'Changji', C], ['shihezi', '石河子', 'Shihezi', C], ['karamay', '克拉玛依', 'Karamay', F]]),
  cluster('hainan', '海南', 'Hainan Island', [['haikou', '海口', 'Haikou', P], ['sanya', '三亚', 'Sanya', F], ['danzhou', '儋州', 'Danzhou', F], ['qionghai', '琼海', 'Qionghai', C]]),
  cluster('shantou', '汕潮揭', 'Shantou-Chaozhou-Jieyang', [['shantou', '汕头', 'Shantou', F], ['chaozhou', '潮州', 'Chaozhou', F], ['jieyang', '揭阳', 'Jieyang', F], ['shanwei', '汕尾', 'Shanwei', F]]),
  cluster('zhuzhongjiang', '珠中江', 'Zhuhai-Zhongshan-Jiangmen', [['zhuhai', '珠海', 'Zhuhai', F], ['zhongshan', '中山', 'Zhongshan', F], ['jiangmen', '江门', 'Jiangmen', F], ['yangjiang', '阳江', 'Yangjiang', F]]),
  cluster('guangfozhao', '广佛肇', 'Guangzhou-Foshan-Zhaoqing', [['foshan', '佛山', 'Foshan', F], ['zhaoqing', '肇庆', 'Zhaoqing', F], ['qingyuan', '清远', 'Qingyuan', F], ['yunfu', '云浮', 'Yunfu', F]]),
  cluster('huaihe', '淮河生态经济带', 'Huai River', [['bengbu', '蚌埠', 'Bengbu', F], ['huainan', '淮南', 'Huainan', F], ['huaian', '淮安', "Huai'an", F], ['xinyang', '信阳', 'Xinyang', F]]),
  cluster('huaihai', '淮海', 'Huaihai Economic Zone', [['xuzhou', '徐州', 'Xuzhou', F], ['lianyungang', '连云港', 'Lianyungang', F], ['suqian', '宿迁', 'Suqian', F], ['shangqiu', '商丘', 'Shangqiu', F]]),
  cluster('wanjiang', '皖江', 'Wanjiang City Belt', [['anqing', '安庆', 'Anqing', F], ['tongling', '铜陵', 'Tongling', F], ['chizhou', '池州', 'Chizhou', F], ['xuancheng', '宣城', 'Xuancheng', F]]),
  cluster('southern-zhejiang', '浙南', 'Southern Zhejiang', [['wenzhou', '温州', 'Wenzhou', F], ['lishui', '丽水', 'Lishui', F], ['quzhou', '衢州', 'Quzhou', F], ['jinhua', '金华', 'Jinhua', F]]),
  cluster('jiangsu-coast', '江苏沿海', 'Jiangsu Coast', [['yancheng', '盐城', 'Yancheng', F], ['taizhou-js', '泰州', 'Taizhou (Jiangsu)', F], ['dongtai', '东台', 'Dongtai', C], ['rudong', '如东', 'Rudong', C]]),
  cluster('hubei-west', '鄂西', 'Western Hubei', [['shiyan', '十堰', 'Shiyan', F], ['enshi', '恩施', 'Enshi', C], ['jingmen', '荆门', 'Jingmen', F], ['suizhou', '随州', 'Suizhou', F]]),
  cluster('xiangnan', '湘南', 'Southern Hunan', [['hengyang', '衡阳', 'Hengyang', F], ['chenzhou', '郴州', 'Chenzhou', F], ['yongzhou', '永州', 'Yongzhou', F], ['shaoyang', '邵阳', 'Shaoyang', F]]),
  cluster('ganzhou', '赣南', 'Southern Jiangxi', [['ganzhou', '赣州', 'Ganzhou', F], ['jian', '吉安', "Ji'an", F], ['fuzhou-jx', '抚州', 'Fuzhou (Jiangxi)', F], ['pingxiang', '萍乡', 'Pingxiang', F]]),
  cluster('pannan', '川南', 'Southern Sichuan', [['yibin', '宜宾', 'Yibin', F], ['luzhou', '泸州', 'Luzhou', F], ['zigong', '自贡', 'Zigong', F], ['neijiang', '内江', 'Neijiang', F]]),
  cluster('hebei-south', '冀南', 'Southern Hebei', [['handan', '邯郸', 'Handan', F], ['xingtai', '邢台', 'Xingtai', F], ['hengshui', '衡水', 'Hengshui', F], ['cangzhou', '沧州', 'Cangzhou', F]]),
  cluster('liaoxi', '辽西', 'Western Liaoning', [['jinzhou', '锦州', 'Jinzhou', F], ['huludao', '葫芦岛', 'Huludao', F], ['chaoyang', '朝阳', 'Chaoyang', F], ['fuxin', '阜新', 'Fuxin', F]]),
  cluster('heilongjiang-east', '黑东', 'Eastern Heilongjiang', [['mudanjiang', '牡丹江', 'Mudanjiang', F], ['jiamusi', '佳木斯', 'Jiamusi', F], ['jixi', '鸡西', 'Jixi', F], ['qitaihe', '七台河', 'Qitaihe', F]]),
  cluster('gansu-hexi', '河西走廊', 'Hexi Corridor', [['jiuquan', '酒泉', 'Jiuquan', F], ['zhangye', '张掖', 'Zhangye', F], ['wuwei', '武威', 'Wuwei', F], ['jiayuguan', '嘉峪关', 'Jiayuguan', F]]),
  cluster('guangxi-north', '桂北', 'Northern Guangxi', [['guilin', '桂林', 'Guilin', F], ['liuzhou', '柳州', 'Liuzhou', F], ['hezhou', '贺州', 'Hezhou', F], ['laibin', '来宾', 'Laibin', F]]),
  cluster('tibet-lhasa', '拉萨', 'Lhasa Valley', [['lhasa', '拉萨', 'Lhasa', P], ['shigatse', '日喀则', 'Shigatse', F], ['nyingchi', '林芝', 'Nyingchi', F], ['shannan', '山南', 'Shannan', F]]),
];

/**
 * `count` cities spread over the first `bodies` clusters, round-robin; each cluster's named cities first, then
 * county-level cities numbered within it (`<cluster>-c<n>`).
 */
export function citiesOf(count: number, bodies: number): { cluster: Cluster; cities: Place[] }[] {
  const chosen = CLUSTERS.slice(0, Math.max(1, Math.min(bodies, CLUSTERS.length)));
  const out = chosen.map((c) => ({ cluster: c, cities: [] as Place[] }));
  for (let i = 0; i < count; i++) {
    const slot = out[i % out.length] as { cluster: Cluster; cities: Place[] };
    const k = slot.cities.length;
    const named = slot.cluster.cities[k];
    const { zh, en } = slot.cluster;
    slot.cities.push(named ?? { id: `${slot.cluster.id}-c${k + 1}`, name: `${zh}县级市${k + 1} ${en} county city ${k + 1}`, level: C });
  }
  return out;
}
